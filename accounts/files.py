"""Files a job writes inside its transaction (ledger editions, evaluation reports).

A worker killed after writing such a file and before its transaction commits leaves the file
behind with no row pointing to it. The attempt that follows writes the same name: the storage
would keep the dead attempt's file and give the new one another name (``…_a1B2c3d.xlsx``), so
files of dead attempts would pile up in the media folder. ``save_in_place`` writes over such a
leftover instead.
"""

from __future__ import annotations

from django.core.files.base import File
from django.db.models.fields.files import FieldFile


def save_in_place(field_file: FieldFile, filename: str, content: File) -> None:
    """Save ``content`` as ``filename`` in ``field_file`` (not saving its row), writing over a
    file of that name that no row of the model refers to (left by an attempt that died before
    its commit). Call it only where no other live transaction can be writing the same name: after
    the row that makes the name unique (an edition's period, an evaluation's version) has been
    inserted, so that a concurrent attempt waits on its unique index."""
    model = type(field_file.instance)
    name = field_file.field.generate_filename(field_file.instance, filename)
    storage = field_file.storage
    if (
        storage.exists(name)
        and not model._default_manager.filter(**{field_file.field.name: name}).exists()
    ):
        storage.delete(name)
    field_file.save(filename, content, save=False)
