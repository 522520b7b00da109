{% extends "_layout.html" %}
{% block title %}{% include "household_decision/subject.ru" %}{% endblock %}
{% block body %}
<p>Здравствуйте!</p>
<p>{% if decision == "verified" %}Данные о вашей семье подтверждены специалистом центра занятости. Теперь для вас рассчитывается право на участие в программах.{% else %}Данные о вашей семье не удалось подтвердить в центре занятости. Исправьте их и отправьте снова.{% endif %}</p>
{% if note %}<p>Комментарий специалиста: <em>{{ note }}</em></p>{% endif %}
{% endblock %}
{% block footer %}Центр занятости города Алматы{% endblock %}
