"""Writes a copy of a TorchScript .pt whose largest tensor record is cut to half its length, as a damaged
download or a crafted file would be. LibTorch loads such a file without complaint."""
import sys
import zipfile

source, damaged = sys.argv[1], sys.argv[2]
with zipfile.ZipFile(source) as zin:
    records = [n for n in zin.namelist() if "/data/" in n and not n.endswith("/")]
    largest = max(records, key=lambda n: zin.getinfo(n).file_size)
    with zipfile.ZipFile(damaged, "w", zipfile.ZIP_STORED) as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            zout.writestr(item, data[: len(data) // 2] if item.filename == largest else data)
print("truncated", largest)
