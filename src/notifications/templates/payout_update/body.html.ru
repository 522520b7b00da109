{% extends "_layout.html" %}
{% block title %}{% include "payout_update/subject.ru" %}{% endblock %}
{% block body %}
<p>Здравствуйте!</p>
<p>{% if step == "paid" %}Стипендия за {{ period }} ({{ amount }} ₸) перечислена банком на ваш счёт.{% else %}Банк не смог перечислить стипендию за {{ period }} ({{ amount }} ₸). Проверьте IBAN в профиле: выплата будет отправлена повторно со следующим пакетом.{% endif %}</p>
<p>Подробности: <a href="{{ link }}">{{ link }}</a></p>
{% endblock %}
{% block footer %}Центр занятости города Алматы{% endblock %}
