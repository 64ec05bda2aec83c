"""Strings of Django and of the libraries we use, kept in our catalogue. Never called.

Our catalogue (``LOCALE_PATHS``) comes before every app's own, so a msgid listed here is
translated by us wherever it appears:

- Django's messages that its Simplified Chinese catalogue does not translate yet, or
  translates badly ("确保该变量包含不超过 50 字符" for a text too long reads as a machine's; people
  read "最多 50 个字"): the form and model validation messages a person meets next to a field;
- the names django-axes and django-auditlog give their models, fields and admin pages (they
  ship no Chinese), shown in the administrators' Django admin.

makemessages only collects the msgids of our own files: listing them here keeps them in the
catalogue (tests/accounts/test_i18n.py checks that each of them is translated).
"""

from django.utils.translation import gettext, ngettext


def _django_strings() -> None:  # pragma: no cover
    # django.core.validators, django.forms.fields, django.db.models: next to a field.
    gettext("Enter a valid value.")
    gettext("Enter a valid URL.")
    gettext("Enter a valid integer.")
    gettext("Enter a valid email address.")
    gettext("Enter a number.")
    gettext("Enter a whole number.")
    gettext("Enter a valid date.")
    gettext("Enter a valid time.")
    gettext("Enter a valid date/time.")
    gettext("Enter a valid duration.")
    gettext("Enter a list of values.")
    gettext("Enter a complete value.")
    gettext("This field is required.")
    gettext("This field cannot be null.")
    gettext("This field cannot be blank.")
    gettext("Null characters are not allowed.")
    gettext("Ensure this value is less than or equal to %(limit_value)s.")
    gettext("Ensure this value is greater than or equal to %(limit_value)s.")
    ngettext(
        "Ensure this value has at least %(limit_value)d character (it has %(show_value)d).",
        "Ensure this value has at least %(limit_value)d characters (it has %(show_value)d).",
        0,
    )
    ngettext(
        "Ensure this value has at most %(limit_value)d character (it has %(show_value)d).",
        "Ensure this value has at most %(limit_value)d characters (it has %(show_value)d).",
        0,
    )
    ngettext(
        "Ensure that there are no more than %(max)s digit in total.",
        "Ensure that there are no more than %(max)s digits in total.",
        0,
    )
    ngettext(
        "Ensure that there are no more than %(max)s decimal place.",
        "Ensure that there are no more than %(max)s decimal places.",
        0,
    )
    ngettext(
        "Ensure that there are no more than %(max)s digit before the decimal point.",
        "Ensure that there are no more than %(max)s digits before the decimal point.",
        0,
    )
    gettext("Select a valid choice. %(value)s is not one of the available choices.")
    gettext("Select a valid choice. That choice is not one of the available choices.")
    gettext("Value %(value)r is not a valid choice.")
    gettext("“%(pk)s” is not a valid value.")
    gettext("%(model_name)s with this %(field_label)s already exists.")
    gettext("%(model_name)s with this %(field_labels)s already exists.")
    gettext("No file was submitted.")
    gettext("The submitted file is empty.")
    ngettext(
        "Ensure this filename has at most %(max)d character (it has %(length)d).",
        "Ensure this filename has at most %(max)d characters (it has %(length)d).",
        0,
    )
    gettext(
        "File extension “%(extension)s” is not allowed. Allowed extensions are: "
        "%(allowed_extensions)s."
    )
    gettext("That page number is not an integer")
    gettext("That page number is less than 1")
    gettext("That page contains no results")
    # django.contrib.auth
    ngettext(
        "This password is too short. It must contain at least %d character.",
        "This password is too short. It must contain at least %d characters.",
        0,
    )
    # django.contrib.admin and auth pages of Django 5.2 not in its Chinese catalogue yet.
    gettext("Model name")
    gettext("Add link")
    gettext("Change or view list link")
    gettext("After you’ve created a user, you’ll be able to edit more user options.")
    gettext("If disabled, the current password for this user will be lost.")
    gettext("Hold down “Control”, or “Command” on a Mac, to select more than one.")
    gettext(
        "Whether the user will be able to authenticate using a password or not. "
        "If disabled, they may still be able to authenticate using other backends, "
        "such as Single Sign-On or LDAP."
    )
    # django-axes
    gettext("User Agent")
    gettext("IP Address")
    gettext("HTTP Accept")
    gettext("Path")
    gettext("Attempt Time")
    gettext("Access lock out")
    gettext("access failure")
    gettext("access failures")
    gettext("GET Data")
    gettext("POST Data")
    gettext("Failed Logins")
    gettext("access attempt")
    gettext("access attempts")
    gettext("Access Attempt")
    gettext("Expires At")
    gettext("The time when access attempt expires and is no longer valid.")
    gettext("access attempt expiration")
    gettext("access attempt expirations")
    gettext("Logout Time")
    gettext("Session key hash (sha256)")
    gettext("access log")
    gettext("access logs")
    gettext("Locked Out")
    gettext("Form Data")
    gettext("Meta Data")
    gettext("Clean up expired attempts")
    gettext("Not set")
    gettext("Attempt Remaining")
    # django-auditlog
    gettext("Audit log")
    gettext("log entry")
    gettext("log entries")
    gettext("object pk")
    gettext("object id")
    gettext("object representation")
    gettext("action")
    gettext("change message")
    gettext("actor")
    gettext("Correlation ID")
    gettext("remote address")
    gettext("remote port")
    gettext("timestamp")
    gettext("additional data")
    gettext("actor email")
    gettext("create")
    gettext("update")
    gettext("delete")
    gettext("access")
    gettext("Resource Type")
    gettext("Created {repr:s}")
    gettext("Updated {repr:s}")
    gettext("Deleted {repr:s}")
    gettext("Logged {repr:s}")
