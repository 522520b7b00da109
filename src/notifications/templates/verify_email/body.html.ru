{% extends "_layout.html" %}
{% block title %}{% include "verify_email/subject.ru" %}{% endblock %}
{% block body %}
<p>Здравствуйте{% if name %}, {{ name }}{% endif %}!</p>
<p>Спасибо за регистрацию. Подтвердите адрес электронной почты:</p>
<p><a href="{{ link }}" style="background: #0b69a3; color: #fff; padding: 10px 16px; text-decoration: none; border-radius: 4px;">Подтвердить почту</a></p>
<p style="font-size: 13px;">{{ link }}</p>
<p>Ссылка действует {{ expires_hours }} ч. Если вы не регистрировались, просто проигнорируйте это письмо.</p>
{% endblock %}
{% block footer %}Центр занятости города Алматы{% endblock %}
