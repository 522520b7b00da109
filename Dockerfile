# Build: the bundled SQLite, libpq and OpenSSL are compiled from their crates (needs perl and make,
# both in the rust image).
FROM rust:1.95-bookworm AS build
WORKDIR /src
COPY Cargo.toml Cargo.lock ./
COPY src ./src
COPY migrations ./migrations
RUN cargo build --release --locked --bin social-jobs

# Run: a small image, a non-root user, data under /var/lib/social-jobs.
FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates curl \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --home-dir /var/lib/social-jobs --create-home social-jobs
COPY --from=build /src/target/release/social-jobs /usr/local/bin/social-jobs
USER social-jobs
WORKDIR /var/lib/social-jobs
ENV SJ_HOST=0.0.0.0 SJ_DATA_DIR=/var/lib/social-jobs/data
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=3s CMD curl -fsS http://127.0.0.1:8080/health || exit 1
ENTRYPOINT ["social-jobs"]
CMD ["serve"]
