#!/usr/bin/env bats
# Inputs that claim huge sizes are refused before anything of that size
# is allocated, with a message; in the release build `ulimit -v` (512 MB
# of address space, which ASan's shadow memory cannot live in) shows
# that memory stays bounded by the real input. 512, not less: vae-encode
# and vae-decode load FFmpeg's libraries for video, which with their
# dependencies (ICU's data among them) map about 400 MB at start.
bats_require_minimum_version 1.5.0
load common

# bounded PROG PATTERN CMD...: CMD exits 1 with "PROG: ...PATTERN" on
# stderr, within 512 MB of address space where that can be measured.
# OpenBLAS's thread server spins forever at exit when the address space
# limit stops it from allocating its buffers (Debian 12, 0.3.21), so it
# runs single-threaded here.
bounded() {
	local prog=$1 pattern=$2 limit=unlimited
	shift 2
	[ "$KVAE_VARIANT" = release ] && limit=524288
	run --separate-stderr env OPENBLAS_NUM_THREADS=1 timeout 60 \
		bash -c 'ulimit -v "$0"; exec "$@"' "$limit" "$@"
	assert_bad_input "$prog" "$pattern"
}

# A binary kvae-seq(5) header: magic, version 1, f64, flags 0, dim.
seq_header() {
	printf 'KV\xd1\x7fSQ\xf4\x7f\x01\x08\x00\x00'
	printf "$(printf '\\x%02x\\x%02x\\x%02x\\x%02x' $(($1 & 255)) \
		$(($1 >> 8 & 255)) $(($1 >> 16 & 255)) $(($1 >> 24 & 255)))"
}

small_checkpoint() {	# d.csv and a tiny model's checkpoint c.ckpt
	"$PYTHON" "$KVAE_ROOT/tests/tools/kvae-synth.py" --sequences 2 \
		--length 6 --dim 2 >d.csv
	kvae-train -q --latent-dim 1 --state-dim 1 --hidden 2 --vae-epochs 1 \
		-e 1 --threads 1 --checkpoint-every 1 --checkpoint c.ckpt \
		-o m.kvae d.csv
}

@test "limits: a kvae-seq header claiming 2^31 columns" {
	{ seq_header 2147483648; head -c 64 /dev/zero; } >huge.bin
	for p in kvae-cat kf-filter; do
		args=()
		[ $p = kf-filter ] && args=(--preset local-level)
		bounded $p "huge.bin: sequence 1: dim 2147483648, expected 1 to 1048576" \
			$p "${args[@]}" huge.bin
	done
}

@test "limits: the largest kvae-seq dim with no data costs no more than it holds" {
	# 2^20 columns are allowed; 100 bytes of them are a truncated record
	{ seq_header 1048576; head -c 100 /dev/zero; } >wide.bin
	bounded kvae-cat "wide.bin: .*(truncated|incomplete|end)" kvae-cat wide.bin
}

@test "limits: a safetensors header length of 100 GB" {
	{ printf '\x00\xe8\x76\x48\x17\x00\x00\x00'; printf '{}'; } >m.kvae
	bounded vae-encode "m.kvae: header length 100000000000 exceeds the limit" \
		vae-encode -m m.kvae /dev/null
	echo 1 >d.csv
	bounded kf-filter "m.kvae: " kf-filter -m m.kvae d.csv
	bounded kvae-train "m.kvae: header length 100000000000 exceeds the limit" \
		kvae-train --resume m.kvae -o out.kvae d.csv
}

@test "limits: model metadata claiming huge layers without the tensors" {
	# a real small checkpoint whose metadata is edited to claim 16M-unit
	# layers or a 2^31-state LGSSM: refused before allocating them
	small_checkpoint
	"$PYTHON" - <<-'EOF'
		import json, struct
		b = open("c.ckpt", "rb").read()
		n = struct.unpack("<Q", b[:8])[0]
		h = json.loads(b[8:8 + n])
		def edit(name, key, change):
		    meta = dict(h["__metadata__"])
		    meta[key] = json.dumps(json.loads(meta[key]) | change)
		    t = json.dumps(h | {"__metadata__": meta}).encode()
		    open(name, "wb").write(struct.pack("<Q", len(t)) + t + b[8 + n:])
		edit("wide.ckpt", "kvae", {"hidden": [16777216]})
		edit("deep.ckpt", "lgssm", {"state_dim": 2147483648})
	EOF
	bounded vae-encode 'wide.ckpt: tensor "encoder.fc0.weight" is 2x2, expected 16777216x2' \
		vae-encode -m wide.ckpt d.csv
	bounded kvae-train 'wide.ckpt: tensor "encoder.fc0.weight" is 2x2, expected 16777216x2' \
		kvae-train --resume wide.ckpt -o out.kvae d.csv
	bounded kvae-train 'deep.ckpt: tensor "lgssm.A" is missing or not 2147483648x2147483648' \
		kvae-train --resume deep.ckpt -o out.kvae d.csv
}

@test "limits: an LGSSM spec with a 10^6-dimensional observation" {
	# one number each for Q, R, P0 would widen to 10^12 entries
	"$PYTHON" -c 'import json; print(json.dumps({"A": [[1]], "C": [[1]] * 1000000,
	    "Q": 1, "R": 1, "mu0": 0, "P0": 1}))' >m.json
	echo 1 >d.csv
	bounded kf-filter '"C" is 1000000x1: dimensions above 4096' \
		kf-filter -m m.json d.csv
}

@test "limits: a 100000x100000 image" {
	printf 'P5\n100000 100000\n255\n' >big.pgm
	head -c 1000 /dev/urandom >>big.pgm
	"$PYTHON" - <<-'EOF'
		import struct, zlib
		def chunk(t, d):
		    return (struct.pack(">I", len(d)) + t + d +
		            struct.pack(">I", zlib.crc32(t + d)))
		ihdr = struct.pack(">IIBBBBB", 100000, 100000, 8, 0, 0, 0, 0)
		open("big.png", "wb").write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr)
		    + chunk(b"IDAT", zlib.compress(bytes(100001 * 50)))
		    + chunk(b"IEND", b""))
	EOF
	bounded me-kalman "big.pgm: 100000x100000 image is too large" \
		me-kalman -o out.pgm big.pgm
	bounded me-kalman "big.pgm: 100000x100000 image is too large" \
		me-kalman --compress -o out.mek big.pgm
	# libav refuses the size itself (av_image_check_size) before decoding
	bounded me-kalman "big.png: " me-kalman -o out.pgm big.png
	bounded ssim "big.png: " ssim big.png big.png
	bounded ssim "big.pgm: " ssim big.pgm big.pgm
	[ ! -e out.pgm ] && [ ! -e out.mek ]
}

@test "limits: a model whose header length is absurd is refused after 8 bytes" {
	# the writer never ends: a reader that read on to the end would hang
	mkfifo m.kvae
	( printf '\x00\xe8\x76\x48\x17\x00\x00\x00'; exec sleep 30 ) >m.kvae 2>/dev/null &
	writer=$!
	run --separate-stderr timeout 10 vae-encode -m m.kvae /dev/null
	kill $writer
	assert_bad_input vae-encode "m.kvae: header length 100000000000 exceeds the limit"
}

@test "limits: a checkpoint with a corrupt step count or generator state" {
	small_checkpoint
	"$PYTHON" - <<-'EOF'
		import json, struct
		b = bytearray(open("c.ckpt", "rb").read())
		n = struct.unpack("<Q", b[:8])[0]
		h = json.loads(b[8:8 + n])
		def patch(name, tensor, at, value):
		    c = bytearray(b)
		    o = 8 + n + h[tensor]["data_offsets"][0] + at
		    c[o:o + len(value)] = value
		    open(name, "wb").write(c)
		patch("step.ckpt", "optim.step", 0, struct.pack("<d", 1e300))
		patch("rng.ckpt", "rng", 624 * 8, struct.pack("<i", -100000))
	EOF
	run --separate-stderr kvae-train --resume step.ckpt -o out.kvae d.csv
	assert_bad_input kvae-train "step.ckpt: optim.step 1e\+300 is not a step count"
	run --separate-stderr kvae-train --resume rng.ckpt -o out.kvae d.csv
	assert_bad_input kvae-train 'rng.ckpt: "rng": corrupt mt19937 generator state'
	[ ! -e out.kvae ]
}
