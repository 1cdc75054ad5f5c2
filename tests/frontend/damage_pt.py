"""Writes a copy of a TorchScript .pt with one kind of damage, as a broken download or a crafted file has:
  tensor: its largest tensor record cut to half its length (LibTorch loads such a file without complaint);
  debug:  its debug records (the Python source lines, which LibTorch reads only when asked) not pickles;
  string: its module pickle a string that claims 4 GB (LibTorch 1.13 allocates it before reading);
  memo:   its module pickle a memo slot 2^28 (LibTorch 1.13 makes room for twice as many).
Usage: damage_pt.py SOURCE DAMAGED tensor|debug|string|memo"""
import sys
import zipfile

source, damaged, damage = sys.argv[1:4]
with zipfile.ZipFile(source) as zin:
    if damage == "tensor":
        records = [n for n in zin.namelist() if "/data/" in n and not n.endswith("/")]
        largest = max(records, key=lambda n: zin.getinfo(n).file_size)
        change = lambda name, data: data[: len(data) // 2] if name == largest else data
    elif damage == "debug":
        change = lambda name, data: b'\x80\x02"' if name.endswith(".debug_pkl") else data
    else:
        pickle = b"\x80\x02X\xf0\xff\xff\xffabc." if damage == "string" else b"\x80\x02N\x72\x00\x00\x00\x10."
        change = lambda name, data: pickle if name.endswith("/data.pkl") else data
    with zipfile.ZipFile(damaged, "w", zipfile.ZIP_STORED) as zout:
        for item in zin.infolist():
            zout.writestr(item, change(item.filename, zin.read(item.filename)))
