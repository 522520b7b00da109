{% extends "_layout.html" %}
{% block title %}{% include "candidate_accepted/subject.ru" %}{% endblock %}
{% block body %}
<p>Здравствуйте!</p>
<p>Кандидат {{ seeker_name }} принял предложение {% if kind == "job" %}социального рабочего места{% else %}места на вашем курсе{% endif %}: <strong>{{ opening_title }}</strong>.{% if start_date %} Дата начала: {{ start_date }}.{% endif %}</p>
<p>Пожалуйста, свяжитесь с кандидатом, чтобы договориться о дальнейших шагах, а затем {% if kind == "job" %}отметьте в сервисе дату выхода на работу{% else %}отметьте в сервисе, что кандидат зачислен на курс{% endif %}.</p>
<p><a href="{{ link }}" style="background: #0b69a3; color: #fff; padding: 10px 16px; text-decoration: none; border-radius: 4px;">Перейти к кандидатам</a></p>
<p style="font-size: 13px;">{{ link }}</p>
{% endblock %}
{% block footer %}Центр занятости города Алматы{% endblock %}
