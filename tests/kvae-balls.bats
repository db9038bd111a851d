#!/usr/bin/env bats
bats_require_minimum_version 1.5.0
load common

# frame_sums FILE SIZE: the sum of the pixels of each frame, one a line
frame_sums() {
	pixels "$1" | od -An -v -tu1 -w$(($2 * $2)) |
	    awk '{ s = 0; for (i = 1; i <= NF; i++) s += $i; print s }'
}

# pixels FILE: the decoded frames' bytes
pixels() {
	ffmpeg -nostdin -v error -i "$1" -f rawvideo -pix_fmt gray -
}

# frames FILE: the number of frames ffprobe counts
frames() {
	ffprobe -v error -count_frames -select_streams v:0 \
	    -show_entries stream=nb_read_frames -of csv=p=0 "$1"
}

@test "kvae-balls: frames, size and pixel format as asked" {
	kvae-balls -T 12 -o a.mkv
	run ffprobe -v error -show_entries stream=codec_name,width,height,pix_fmt,r_frame_rate -of csv=p=0 a.mkv
	assert_output "ffv1,32,32,gray,10/1"
	assert_equal "$(frames a.mkv)" 12
	kvae-balls --size 64 -T 7 --fps 25 -o b.y4m
	run ffprobe -v error -show_entries stream=width,height,r_frame_rate -of csv=p=0 b.y4m
	assert_output "64,64,25/1"
	assert_equal "$(frames b.y4m)" 7
}

@test "kvae-balls: the same seed gives the same bytes, another seed other bytes" {
	kvae-balls -T 30 --balls 2 --seed 7 -o a.y4m --positions a.csv
	kvae-balls -T 30 --balls 2 --seed 7 -o b.y4m --positions b.csv
	cmp a.y4m b.y4m
	cmp a.csv b.csv
	kvae-balls -T 30 --balls 2 --seed 8 -o c.y4m --positions c.csv
	run cmp -s a.y4m c.y4m
	assert_equal "$status" 1
	run cmp -s a.csv c.csv
	assert_equal "$status" 1
	# Matroska too, written bit-exact (no random segment UID)
	kvae-balls -T 30 --balls 2 --seed 7 -o a.mkv
	kvae-balls -T 30 --balls 2 --seed 7 -o b.mkv
	cmp a.mkv b.mkv
	cmp <(pixels a.mkv) <(pixels a.y4m)
}

@test "kvae-balls: several sequences go to numbered files, from 0" {
	kvae-balls -n 3 -T 4 -o 'tr-%02d.mkv' --positions p.csv
	for k in 00 01 02; do
		assert_equal "$(frames tr-$k.mkv)" 4
	done
	[ ! -e tr-03.mkv ]
	# 3 sequences of 4 records after a header, 2 blank lines between
	assert_equal "$(head -1 p.csv)" "x0,y0"
	assert_equal "$(grep -c '^$' p.csv)" 2
	assert_equal "$(grep -c '^[0-9]' p.csv)" 12
	# the second file is the second sequence of one run
	kvae-balls -n 2 -T 4 -o 's-%d.mkv'
	cmp <(pixels s-1.mkv) <(pixels tr-01.mkv)
}

@test "kvae-balls: Y4M on stdout holds every sequence's frames" {
	kvae-balls -n 3 -T 5 --balls 2 >all.y4m
	assert_equal "$(head -c 9 all.y4m)" "YUV4MPEG2"
	kvae-balls -n 3 -T 5 --balls 2 | ffprobe -v error -count_frames \
	    -show_entries stream=nb_read_frames,pix_fmt -of csv=p=0 - >probe
	assert_equal "$(cat probe)" "gray,15"
	kvae-balls -n 3 -T 5 --balls 2 -o 'q%d.mkv'
	# the frames are the same pixels as the files'
	cat <(pixels q0.mkv) <(pixels q1.mkv) <(pixels q2.mkv) >files.raw
	pixels all.y4m >pipe.raw
	cmp files.raw pipe.raw
}

@test "kvae-balls: balls stay inside the box over a long run" {
	# 32x32: walls 2 px in, radius 3, so centres in [5, 27] (within [r, size-r])
	kvae-balls -T 3000 -o a.mkv --positions p.csv
	awk -F, 'NR > 1 && NF { for (i = 1; i <= NF; i++) if ($i < 5 - 1e-9 || $i > 27 + 1e-9) { print "line " NR ": " $0; bad = 1 } }
	    END { exit bad }' p.csv
	kvae-balls --size 64 --balls 4 --radius 5.5 -T 2000 -o b.mkv --positions q.csv
	# 64x64: walls 4 px in, so centres in [9.5, 54.5]; and never closer than 2r
	awk -F, 'NR > 1 && NF {
	    for (i = 1; i <= NF; i++) if ($i < 9.5 - 1e-9 || $i > 54.5 + 1e-9) { print "line " NR ": " $0; bad = 1 }
	    for (i = 1; i < NF; i += 2) for (j = i + 2; j < NF; j += 2) {
	        d = sqrt(($i - $j)^2 + ($(i+1) - $(j+1))^2)
	        if (d < 11 - 1e-9) { print "line " NR ": balls " i " and " j " " d " apart"; bad = 1 } } }
	    END { exit bad }' q.csv
}

@test "kvae-balls: a ball's speed is constant between bounces" {
	kvae-balls -T 400 --seed 3 --dt 0.2 -o a.mkv --positions p.csv
	# steps that start and end farther than one step from every wall
	# cannot hold a bounce: their lengths are speed * dt, all equal
	awk -F, 'NR > 1 && NF {
	    if (n++) { d = sqrt(($1 - x)^2 + ($2 - y)^2)
	        if (x > 8 && x < 24 && y > 8 && y < 24 && $1 > 8 && $1 < 24 && $2 > 8 && $2 < 24) {
	            free++; if (!v) v = d
	            if (d - v > 1e-9 * v || v - d > 1e-9 * v) { print "step " n ": " d " != " v; bad = 1 } }
	        if (d > max) max = d }
	    x = $1; y = $2 }
	    END { print free " free steps of " v " (speed " v / 0.2 "), longest step " max
	        if (free < 50 || v / 0.2 < 10 || v / 0.2 > 15 || max - v > 1e-9 * v) bad = 1
	        exit bad }' p.csv
}

@test "kvae-balls: every frame's brightness is 255 pi r^2 per ball" {
	kvae-balls -T 60 -o a.mkv
	frame_sums a.mkv 32 | awk -v want="$(awk 'BEGIN { print 255 * 3.141592653589793 * 9 }')" '
	    { if ($1 < 0.98 * want || $1 > 1.02 * want) { print "frame " NR - 1 ": " $1 ", want " want; bad = 1 } }
	    END { if (NR != 60) { print NR " frames"; bad = 1 } exit bad }'
	kvae-balls --size 64 --balls 2 --radius 4.3 -T 60 -o b.mkv
	frame_sums b.mkv 64 | awk -v want="$(awk 'BEGIN { print 2 * 255 * 3.141592653589793 * 4.3^2 }')" '
	    { if ($1 < 0.98 * want || $1 > 1.02 * want) { print "frame " NR - 1 ": " $1 ", want " want; bad = 1 } }
	    END { exit bad }'
}

@test "kvae-balls: the frames show the balls where --positions says" {
	kvae-balls -T 40 --size 64 -o a.mkv --positions p.csv
	# the brightness-weighted centroid of each frame against the centre
	pixels a.mkv | od -An -v -tu1 -w4096 |
	    awk '{ s = sx = sy = 0; for (i = 1; i <= NF; i++) { s += $i; sx += $i * ((i - 1) % 64 + 0.5); sy += $i * (int((i - 1) / 64) + 0.5) }
	        print sx / s "," sy / s }' >centroids.csv
	tail -n +2 p.csv | paste -d, - centroids.csv |
	    awk -F, '{ e = sqrt(($1 - $3)^2 + ($2 - $4)^2); if (e > max) max = e }
	        END { print "worst centroid error " max " px"; exit !(NR == 40 && max < 0.05) }'
}

@test "kvae-balls: --help, --version" {
	run kvae-balls --help
	assert_success
	assert_output --partial "Usage: kvae-balls"
	run kvae-balls --version
	assert_output --partial "kvae-balls (kvae-tools)"
}

@test "kvae-balls: bad option values are usage errors" {
	for args in "--size 3" "--size x" "--frames 0" "--sequences 0" \
	    "--balls 0" "--radius 14" "--radius -1" "--speed 5,3" \
	    "--speed 1,x" "--dt 0" "--fps 0" "--seed -1" "--bogus"; do
		run --separate-stderr kvae-balls $args -o a.mkv
		[ "$status" -eq 2 ] || { echo "$args: status $status"; return 1; }
		[[ "$stderr" == kvae-balls:* ]] || { echo "$args: $stderr"; return 1; }
	done
	[ ! -e a.mkv ]
}

@test "kvae-balls: several sequences without a %d in the name" {
	run --separate-stderr kvae-balls -n 2 -o a.mkv
	assert_equal "$status" 2
	[[ "$stderr" == *"needs one %d"* ]]
	run --separate-stderr kvae-balls -n 2 -o 'a%d-%d.mkv'
	assert_equal "$status" 2
	run --separate-stderr kvae-balls -n 2 -o 'a%s.mkv'
	assert_equal "$status" 2
	[ -z "$(compgen -G 'a*.mkv')" ]
}

@test "kvae-balls: an output that cannot be written fails first, writing nothing" {
	run --separate-stderr kvae-balls -o nodir/a.mkv
	assert_bad_input kvae-balls 'nodir/a.mkv'
	run --separate-stderr kvae-balls -o a.mkv --positions nodir/p.csv
	assert_bad_input kvae-balls 'nodir/p.csv'
	mkdir tr-01.mkv
	run --separate-stderr kvae-balls -n 3 -o 'tr-%02d.mkv'
	assert_bad_input kvae-balls 'tr-01.mkv'
	[ "$(compgen -G 'tr-*')" = tr-01.mkv ]
	[ ! -e a.mkv ]
	run --separate-stderr kvae-balls -o - --positions -
	assert_equal "$status" 2
}

@test "kvae-balls: balls that do not fit apart" {
	run --separate-stderr kvae-balls --balls 60 -o a.mkv
	assert_bad_input kvae-balls 'do not fit'
	[ ! -e a.mkv ]
}
