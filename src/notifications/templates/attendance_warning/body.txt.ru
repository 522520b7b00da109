Здравствуйте!

На курсе «{{ course_title }}» в {{ period }} вы посетили {{ attended }} из {{ held }} занятий. Для стипендии нужно не меньше {{ min_percent }}% посещений.

Если у вас уважительная причина, сообщите учебному центру. Подробности: {{ link }}

Центр занятости города Алматы{% if unsubscribe_link is defined and unsubscribe_link %}

Больше не получать такие письма: {{ unsubscribe_link }}{% endif %}
