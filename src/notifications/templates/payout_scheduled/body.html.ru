{% extends "_layout.html" %}
{% block title %}{% include "payout_scheduled/subject.ru" %}{% endblock %}
{% block body %}
<p>Здравствуйте!</p>
<p>По курсу «{{ course_title }}» за {{ period }} начислена стипендия: {{ amount | tenge }} (посещено {{ attended }} из {{ held }} занятий).</p>
<p>Мы сообщим, когда выплата уйдёт в банк. Подробности: <a href="{{ link }}">{{ link }}</a></p>
{% endblock %}
{% block footer %}Центр занятости города Алматы{% endblock %}
