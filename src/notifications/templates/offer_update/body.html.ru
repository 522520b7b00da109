{% extends "_layout.html" %}
{% block title %}{% include "offer_update/subject.ru" %}{% endblock %}
{% block body %}
<p>Здравствуйте!</p>
{% if step == "made" or step == "reminder" %}
<p>{% if step == "made" %}Вам предложено {% if kind == "job" %}социальное рабочее место{% else %}место на курсе{% endif %}: <strong>{{ opening_title }}</strong> ({{ organisation_name }}).{% else %}Напоминаем: вы ещё не ответили на предложение {% if kind == "job" %}социального рабочего места{% else %}места на курсе{% endif %}: <strong>{{ opening_title }}</strong> ({{ organisation_name }}).{% endif %}</p>
<p>Пожалуйста, примите или отклоните предложение до {{ expires_at }} (по алматинскому времени). После этого место перейдёт следующему кандидату.</p>
<p><a href="{{ link }}" style="background: #0b69a3; color: #fff; padding: 10px 16px; text-decoration: none; border-radius: 4px;">Посмотреть предложение</a></p>
<p style="font-size: 13px;">{{ link }}</p>
{% elif step == "accepted" %}
<p>Вы приняли предложение {% if kind == "job" %}социального рабочего места{% else %}места на курсе{% endif %}: <strong>{{ opening_title }}</strong> ({{ organisation_name }}).{% if start_date %} Дата начала: {{ start_date }}.{% endif %} Организация свяжется с вами в ближайшее время.</p>
{% elif step == "declined" %}
<p>Вы отказались от предложения {% if kind == "job" %}социального рабочего места{% else %}места на курсе{% endif %}: <strong>{{ opening_title }}</strong> ({{ organisation_name }}). Спасибо, что сообщили: место получит другая семья.</p>
{% elif step == "expired" %}
<p>Срок ответа на предложение {% if kind == "job" %}социального рабочего места{% else %}места на курсе{% endif %} истёк: <strong>{{ opening_title }}</strong> ({{ organisation_name }}). Предложение больше не действует, место снова доступно другим кандидатам. Вы по-прежнему можете подавать заявки на другие рабочие места и курсы.</p>
{% elif step == "not_matched" %}
<p>К сожалению, в этот раз вам не досталось {% if kind == "job" %}социального рабочего места{% else %}места на курсе{% endif %}: <strong>{{ opening_title }}</strong> ({{ organisation_name }}).</p>
<p>Причина: <em>{{ reason }}</em></p>
<p>Ваша заявка остаётся активной и будет участвовать в следующем распределении мест, если вы её не отзовёте.</p>
{% else %}
<p>Есть изменения по предложению {% if kind == "job" %}социального рабочего места{% else %}места на курсе{% endif %}: <strong>{{ opening_title }}</strong> ({{ organisation_name }}). Подробности смотрите в сервисе.</p>
{% endif %}
{% endblock %}
{% block footer %}Центр занятости города Алматы{% endblock %}
