{% extends "_layout.html" %}
{% block title %}{% include "wage_report_reminder/subject.ru" %}{% endblock %}
{% block body %}
<p>Здравствуйте!</p>
<p>{% if step == "overdue" %}Срок отправки отчёта о зарплате за {{ period }} по социальному рабочему месту «{{ opening_title }}»{% if person_name %} (работник: {{ person_name }}){% endif %} истёк {{ due_date }}, а отчёт пока не поступил. Субсидия на зарплату за этот месяц не выплачивается, пока отчёт не отправлен и не подтверждён специалистом центра занятости. Пожалуйста, отправьте отчёт как можно скорее.{% else %}Напоминаем: отчёт о зарплате за {{ period }} по социальному рабочему месту «{{ opening_title }}»{% if person_name %} (работник: {{ person_name }}){% endif %} нужно отправить до {{ due_date }}. Субсидия на зарплату за этот месяц рассчитывается по подтверждённому отчёту.{% endif %}</p>
<p><a href="{{ link }}">Открыть отчёты</a></p>
{% endblock %}
{% block footer %}Центр занятости города Алматы{% if unsubscribe_link is defined and unsubscribe_link %}<br><a href="{{ unsubscribe_link }}">Больше не получать такие письма</a>{% endif %}{% endblock %}
