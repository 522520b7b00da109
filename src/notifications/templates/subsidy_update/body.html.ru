{% extends "_layout.html" %}
{% block title %}{% include "subsidy_update/subject.ru" %}{% endblock %}
{% block body %}
<p>Здравствуйте!</p>
{% if step == "paid" %}<p>Субсидия на зарплату за {{ period }} ({{ amount | tenge }}) по социальному рабочему месту «{{ opening_title }}»{% if person_name %} (работник: {{ person_name }}){% endif %} перечислена банком на счёт организации.</p>
{% else %}<p>Субсидию на зарплату за {{ period }} ({{ amount | tenge }}) по социальному рабочему месту «{{ opening_title }}»{% if person_name %} (работник: {{ person_name }}){% endif %} не удалось перечислить: банк вернул платёж.</p>
{% if reason %}<p>Причина, указанная банком: <em>{{ reason }}</em></p>
{% endif %}<p>Проверьте банковский счёт (IBAN) организации в личном кабинете: субсидия будет отправлена повторно со следующим пакетом.</p>
{% endif %}<p>Подробности: <a href="{{ link }}">{{ link }}</a></p>
{% endblock %}
{% block footer %}Центр занятости города Алматы{% endblock %}
