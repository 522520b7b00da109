{%- set districts = {"alatau": "Алатауский район", "almaly": "Алмалинский район", "auezov": "Ауэзовский район", "bostandyk": "Бостандыкский район", "zhetysu": "Жетысуский район", "medeu": "Медеуский район", "nauryzbay": "Наурызбайский район", "turksib": "Турксибский район"} -%}
Здравствуйте!

На этой неделе открылись новые рабочие места и курсы, которые вам подходят. Всего: {{ count }}.
{% for o in openings %}
- {% if o.kind == "course" %}Курс{% else %}Рабочее место{% endif %}: {{ o.title }} ({{ o.organisation_name }}, {{ districts[o.district] if o.district in districts else o.district }}) — {{ o.link }}
{%- endfor %}

Чтобы узнать подробности и подать заявку, откройте ссылку.

Все подходящие вам рабочие места и курсы: {{ link }}

Центр занятости города Алматы{% if unsubscribe_link is defined and unsubscribe_link %}

Больше не получать такие письма: {{ unsubscribe_link }}{% endif %}
