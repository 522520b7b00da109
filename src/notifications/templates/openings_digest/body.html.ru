{% extends "_layout.html" %}
{% block title %}{% include "openings_digest/subject.ru" %}{% endblock %}
{% block body %}
{%- set districts = {"alatau": "Алатауский район", "almaly": "Алмалинский район", "auezov": "Ауэзовский район", "bostandyk": "Бостандыкский район", "zhetysu": "Жетысуский район", "medeu": "Медеуский район", "nauryzbay": "Наурызбайский район", "turksib": "Турксибский район"} %}
<p>Здравствуйте!</p>
<p>На этой неделе открылись новые рабочие места и курсы, которые вам подходят. Всего: {{ count }}.</p>
<ul>
{%- for o in openings %}
<li>{% if o.kind == "course" %}Курс{% else %}Рабочее место{% endif %}: <a href="{{ o.link }}">{{ o.title }}</a> ({{ o.organisation_name }}, {{ districts[o.district] if o.district in districts else o.district }})</li>
{%- endfor %}
</ul>
<p>Чтобы узнать подробности и подать заявку, нажмите на название.</p>
<p><a href="{{ link }}">Все подходящие вам рабочие места и курсы</a></p>
{% endblock %}
{% block footer %}Центр занятости города Алматы{% if unsubscribe_link is defined and unsubscribe_link %}<br><a href="{{ unsubscribe_link }}">Больше не получать такие письма</a>{% endif %}{% endblock %}
