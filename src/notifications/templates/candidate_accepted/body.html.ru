{% extends "_layout.html" %}
{% block title %}{% include "candidate_accepted/subject.ru" %}{% endblock %}
{% block body %}
<p>Здравствуйте!</p>
<p>Предложение {% if kind == "job" %}социального рабочего места{% else %}места на вашем курсе{% endif %} «<strong>{{ opening_title }}</strong>» принято. Кандидат: {{ seeker_name }}.{% if start_date %} Дата начала: {{ start_date }}.{% endif %}</p>
<p>{% if kind == "job" %}Пожалуйста, свяжитесь с кандидатом, чтобы договориться о первом рабочем дне. В этот день отметьте в сервисе начало работы.{% else %}Зачисление на курс уже оформлено. Пожалуйста, свяжитесь с кандидатом, чтобы договориться о первом занятии, и отмечайте в сервисе посещаемость каждого занятия.{% endif %}</p>
<p><a href="{{ link }}" style="background: #0b69a3; color: #fff; padding: 10px 16px; text-decoration: none; border-radius: 4px;">{% if kind == "job" %}Открыть трудоустройства{% else %}Открыть занятия курса{% endif %}</a></p>
<p style="font-size: 13px;">{{ link }}</p>
{% endblock %}
{% block footer %}Центр занятости города Алматы{% endblock %}
