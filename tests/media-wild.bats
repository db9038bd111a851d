#!/usr/bin/env bats
# Media as it comes: a video with sound and subtitles beside it, sound
# written in the container its suffix names, raw video on a pipe.

bats_require_minimum_version 1.5.0
load common

# codec FILE: the codec of FILE's first stream, as ffprobe names it
codec() {
	ffprobe -v error -show_entries stream=codec_name -of csv=p=0 "$1" |
	    head -n 1
}

sine_wav() {
	ffmpeg -nostdin -v error -f lavfi -i sine=frequency=440:duration=0.5 \
	    -ac 1 sine.wav
}

@test "media-wild: a video's audio stream is not copied, and me-kalman says so once" {
	ffmpeg -nostdin -v error -f lavfi -i testsrc=size=32x24:rate=10 \
	    -f lavfi -i sine=frequency=440 -t 1 -c:v ffv1 -c:a flac in.mkv
	run --separate-stderr me-kalman in.mkv -o out.mkv
	assert_success
	[ "${stderr%%$'\n'*}" = "me-kalman: warning: in.mkv: 1 audio stream not copied to out.mkv (video only)" ] ||
	    { echo "stderr: $stderr"; false; }
	[ "$(grep -c warning <<<"$stderr")" = 1 ]
	[ "$(ffprobe -v error -show_entries stream=codec_type -of csv=p=0 out.mkv)" = video ]
	[ "$(ffprobe -v error -count_frames -show_entries stream=nb_read_frames -of csv=p=0 out.mkv)" = 10 ]
	run --separate-stderr me-kalman -q in.mkv -o quiet.mkv
	assert_success
	[ -z "$stderr" ] || { echo "stderr with -q: $stderr"; false; }
	cmp out.mkv quiet.mkv
}

@test "media-wild: audio and subtitle streams are counted by kind; a video alone gives no warning" {
	printf '1\n00:00:00,000 --> 00:00:00,500\nhello\n' >sub.srt
	ffmpeg -nostdin -v error -f lavfi -i testsrc=size=32x24:rate=10 \
	    -f lavfi -i sine=frequency=440 -f lavfi -i sine=frequency=880 \
	    -i sub.srt -map 0 -map 1 -map 2 -map 3 -t 1 -c:v ffv1 -c:a flac \
	    -c:s srt in.mkv
	run --separate-stderr me-kalman in.mkv -o out.mkv
	assert_success
	[ "${stderr%%$'\n'*}" = "me-kalman: warning: in.mkv: 2 audio streams and 1 subtitle stream not copied to out.mkv (video only)" ] ||
	    { echo "stderr: $stderr"; false; }
	ffmpeg -nostdin -v error -f lavfi -i testsrc=size=32x24:rate=10 -t 1 \
	    -c:v ffv1 plain.mkv
	run --separate-stderr me-kalman plain.mkv -o out2.mkv
	assert_success
	run grep warning <<<"$stderr"
	assert_failure 1
}

@test "media-wild: me-kalman writes sound in the container its suffix names" {
	sine_wav
	for want in mp3:mp3 flac:flac ogg:vorbis oga:vorbis wav:pcm_s16le \
	    aiff:pcm_s16be w64:pcm_s16le au:pcm_s16be caf:pcm_s16be; do
		suf=${want%%:*} c=${want#*:}
		if [ "$suf" = mp3 ] && ! me-kalman sine.wav -o probe.mp3 2>/dev/null; then
			continue	# a libsndfile without MPEG writing
		fi
		run --separate-stderr me-kalman sine.wav -o "out.$suf"
		assert_success
		[ "$(codec "out.$suf")" = "$c" ] ||
		    { echo "out.$suf: $(codec "out.$suf"), want $c"; false; }
	done
	file out.mp3 | grep -q "MPEG ADTS, layer III" || { file out.mp3; false; }
}

@test "media-wild: a sound suffix libsndfile cannot write is refused before the work, naming it" {
	sine_wav
	run --separate-stderr me-kalman sine.wav -o out.xyz
	assert_failure 1
	[[ "$stderr" == "me-kalman: out.xyz: cannot write sound as '.xyz' (this build writes .wav, .flac, .ogg,"* ]] ||
	    { echo "stderr: $stderr"; false; }
	[ ! -e out.xyz ]
	[ -z "$(ls -A | grep out)" ] || { ls -A; false; }
	assert_output ""
}
