{% extends "_layout.html" %}
{% block title %}{% include "household_decision/subject.ru" %}{% endblock %}
{% block body %}
<p>Здравствуйте!</p>
<p>{% if decision == "verified" %}Специалист центра занятости подтвердил данные о вашей семье. Теперь для вас рассчитывается право на участие в программах.{% else %}Специалист центра занятости не смог подтвердить данные о вашей семье. Исправьте их и отправьте снова.{% endif %}</p>
{% if note %}<p>Комментарий специалиста: <em>{{ note }}</em></p>{% endif %}
{% endblock %}
{% block footer %}Центр занятости города Алматы{% endblock %}
