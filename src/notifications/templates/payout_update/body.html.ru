{% extends "_layout.html" %}
{% block title %}{% include "payout_update/subject.ru" %}{% endblock %}
{% block body %}
<p>Здравствуйте!</p>
<p>{% if step == "paid" %}Стипендия за {{ period }} ({{ amount | tenge }}) перечислена банком на ваш счёт.{% else %}Стипендию за {{ period }} ({{ amount | tenge }}) не удалось перечислить: банк вернул платёж. Проверьте IBAN в профиле: выплата будет отправлена повторно со следующим пакетом.{% endif %}</p>
<p>Подробности: <a href="{{ link }}">{{ link }}</a></p>
{% endblock %}
{% block footer %}Центр занятости города Алматы{% endblock %}
