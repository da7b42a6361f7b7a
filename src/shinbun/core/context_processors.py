from django.conf import settings


def site_names(request) -> dict:
    return {"site_name": settings.SITE_NAME, "publisher_name": settings.PUBLISHER_NAME}
