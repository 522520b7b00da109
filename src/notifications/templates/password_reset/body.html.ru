{% extends "_layout.html" %}
{% block title %}{% include "password_reset/subject.ru" %}{% endblock %}
{% block body %}
<p>Здравствуйте!</p>
<p>Для вашей учётной записи запрошено восстановление пароля.</p>
<p><a href="{{ link }}" style="background: #0b69a3; color: #fff; padding: 10px 16px; text-decoration: none; border-radius: 4px;">Задать новый пароль</a></p>
<p style="font-size: 13px;">{{ link }}</p>
<p>Ссылка одноразовая и действует {{ expires_minutes }} минут. Если вы не запрашивали восстановление, проигнорируйте это письмо: пароль не изменится.</p>
{% endblock %}
{% block footer %}Центр занятости города Алматы{% endblock %}
