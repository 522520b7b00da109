{% extends "_layout.html" %}
{% block title %}{% include "wage_report_decision/subject.ru" %}{% endblock %}
{% block body %}
<p>Здравствуйте!</p>
<p>{% if decision == "confirmed" %}Отчёт о зарплате за {{ period }} подтверждён специалистом центра занятости. Субсидия будет рассчитана по этому отчёту.{% else %}Отчёт о зарплате за {{ period }} возвращён специалистом центра занятости. Исправьте его и отправьте снова.{% endif %}</p>
{% if note %}<p>Комментарий специалиста: <em>{{ note }}</em></p>{% endif %}
<p><a href="{{ link }}">Открыть отчёты</a></p>
{% endblock %}
{% block footer %}Центр занятости города Алматы{% endblock %}
