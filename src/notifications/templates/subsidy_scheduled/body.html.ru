{% extends "_layout.html" %}
{% block title %}{% include "subsidy_scheduled/subject.ru" %}{% endblock %}
{% block body %}
<p>Здравствуйте!</p>
<p>По социальному рабочему месту «{{ opening_title }}»{% if person_name %} (работник: {{ person_name }}){% endif %} за {{ period }} начислена субсидия на зарплату: {{ amount | tenge }}. Государство возмещает {{ percent }}% выплаченной зарплаты ({{ wage_paid | tenge }}).</p>
<p>Субсидия будет перечислена на банковский счёт организации. Мы сообщим, когда банк проведёт платёж. Подробности: <a href="{{ link }}">{{ link }}</a></p>
{% endblock %}
{% block footer %}Центр занятости города Алматы{% endblock %}
