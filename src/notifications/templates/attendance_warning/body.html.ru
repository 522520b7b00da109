{% extends "_layout.html" %}
{% block title %}{% include "attendance_warning/subject.ru" %}{% endblock %}
{% block body %}
<p>Здравствуйте!</p>
<p>На курсе «{{ course_title }}» в {{ period }} вы посетили {{ attended }} из {{ held }} занятий. Для стипендии нужно не меньше {{ min_percent }}% посещений.</p>
<p>Если у вас уважительная причина, сообщите учебному центру. Подробности: <a href="{{ link }}">{{ link }}</a></p>
{% endblock %}
{% block footer %}Центр занятости города Алматы{% if unsubscribe_link is defined and unsubscribe_link %}<br><a href="{{ unsubscribe_link }}">Больше не получать такие письма</a>{% endif %}{% endblock %}
