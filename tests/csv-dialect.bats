#!/usr/bin/env bats
# CSV as people write it: pandas' to_csv() (an unnamed index column, a
# date index), RFC 4180 quoted fields, and column choice by name or
# position before numbers are parsed (kvae-seq(5), kvae-cat --columns).
bats_require_minimum_version 1.5.0
load common

# macro.csv: statsmodels' macrodata with a DatetimeIndex (dates such as
# 1959-03-31 in an unnamed first column), as DataFrame.to_csv() writes it;
# want.csv: its realgdp and unemp columns, written by pandas without the
# index or header, for comparison; plain.csv: two columns with pandas'
# default index (unnamed, 0, 1, ...). Made once for the file: importing
# statsmodels takes seconds.
setup_file() {
	cd "$BATS_FILE_TMPDIR" || return 1
	"$PYTHON" -c '
import pandas as pd, statsmodels.api as sm
d = sm.datasets.macrodata.load_pandas().data
d.index = pd.period_range("1959Q1", periods=len(d),
    freq="Q").to_timestamp(how="end").normalize()
d.to_csv("macro.csv")
d[["realgdp", "unemp"]].to_csv("want.csv", index=False, header=False,
    float_format="%.17g")
d.reset_index(drop=True)[["unemp", "realgdp"]].to_csv("plain.csv")
'
}

macro_csv() {
	cp "$BATS_FILE_TMPDIR"/macro.csv "$BATS_FILE_TMPDIR"/want.csv \
	    "$BATS_FILE_TMPDIR"/plain.csv .
}

@test "csv-dialect: --columns by name on a pandas CSV with a date index" {
	macro_csv
	head -2 macro.csv | grep -q '^,year,quarter,realgdp'
	sed -n 2p macro.csv | grep -q '^1959-03-31,'
	run --separate-stderr kvae-cat --columns realgdp,unemp macro.csv
	assert_success
	assert_equal "${lines[0]}" "realgdp,unemp"
	printf '%s\n' "${lines[@]:1}" >got.csv
	aeq -a 0 -r 1e-15 want.csv got.csv
	run kvae-cat --info -c realgdp,unemp macro.csv
	assert_line "names: realgdp,unemp"
	assert_line "records: 203"
}

@test "csv-dialect: --columns 2- leaves a date column out, unparsed" {
	macro_csv
	run --separate-stderr kvae-cat --columns 2- -f bin macro.csv
	assert_success
	kvae-cat --columns 2- macro.csv >all.csv
	head -1 all.csv | grep -qx 'year,quarter,realgdp,realcons,realinv,realgovt,realdpi,cpi,m1,tbilrate,unemp,pop,infl,realint'
	kvae-cat -c 3,11 all.csv | tail -n +2 >got.csv
	aeq -a 0 -r 1e-15 want.csv got.csv
	# the same numbers through binary
	kvae-cat -c 2- -f bin macro.csv | kvae-cat -c 3,11 -f csv >got2.csv
	aeq -a 0 -r 0 want.csv got2.csv
}

@test "csv-dialect: an unnamed pandas index column is read; its name becomes x1" {
	macro_csv
	head -1 plain.csv | grep -qx ',unemp,realgdp'
	run kvae-cat -c 1-2 plain.csv
	assert_success
	assert_line -n 0 "x1,unemp"
	assert_line -n 1 "0,5.8"
	run kvae-cat -c realgdp,unemp plain.csv
	assert_line -n 1 "2710.349,5.8"
}

@test "csv-dialect: without --columns a date column is an error that suggests --columns" {
	macro_csv
	run --separate-stderr kvae-cat macro.csv
	assert_bad_input kvae-cat "macro.csv:2: field 1: '1959-03-31' is not a number .*--columns 2-"
	printf 'd,a,b\n2020-01-01,1,x\n' >d.csv
	run --separate-stderr kvae-cat d.csv
	assert_bad_input kvae-cat "d.csv:2: field 1: .*--columns 2\)"
	# a later line gets no suggestion, and a chosen column must be numbers
	printf 'd,a\n2020-01-01,1\n2020-01-02,z\n' >e.csv
	run --separate-stderr kvae-cat -c a e.csv
	assert_bad_input kvae-cat "e.csv:3: field 2: 'z' is not a number$"
}

@test "csv-dialect: quoted fields, names and numbers" {
	printf '"a,b","say ""hi""", c \n"1.5", 2 ,"-3"\n"",4,5\n' >q.csv
	run --separate-stderr kvae-cat q.csv
	assert_success
	assert_equal "$output" "$(printf '"a,b","say ""hi""",c\n1.5,2,-3\nnan,4,5')"
	run --separate-stderr kvae-cat -c '"say ""hi""","a,b"' q.csv
	assert_success
	assert_equal "$output" "$(printf '"say ""hi""","a,b"\n2,1.5\n4,nan')"
	# the output reads back the same
	kvae-cat q.csv | kvae-cat -c '"a,b"' >back.csv
	assert_equal "$(cat back.csv)" "$(printf '"a,b"\n1.5\nnan')"
}

@test "csv-dialect: a chosen column keeps its variance and name" {
	printf 'x,y,var_x,var_y\n1,2,0.1,0.2\n' >v.csv
	run kvae-cat -c y v.csv
	assert_output "$(printf 'y,var_y\n2,0.2')"
}

@test "csv-dialect: an unterminated quote is refused with file and line" {
	printf 'a,b\n1,2\n"3,4\n' >u.csv
	run --separate-stderr kvae-cat u.csv
	assert_bad_input kvae-cat "u.csv:3: field 1: a quoted field has no closing quote"
	printf 'a,"b\nc",d\n' >span.csv
	run --separate-stderr kvae-cat span.csv
	assert_bad_input kvae-cat "span.csv:1: field 2: .*cannot span lines"
}

@test "csv-dialect: a quote inside an unquoted field is refused" {
	printf 'a,b\n1,2\n3,4"5\n' >m.csv
	run --separate-stderr kvae-cat m.csv
	assert_bad_input kvae-cat "m.csv:3: field 2: '4\"5' has a quote inside"
}

@test "csv-dialect: text after a closing quote is refused" {
	printf 'a,b\n"1"2,3\n' >t.csv
	run --separate-stderr kvae-cat t.csv
	assert_bad_input kvae-cat "t.csv:2: field 1: text after the closing quote"
}

@test "csv-dialect: an unknown column name is an error naming file, line and name" {
	printf 'a,b\n1,2\n' >h.csv
	run --separate-stderr kvae-cat -c b,nosuch h.csv
	assert_bad_input kvae-cat "h.csv:1: no column 'nosuch' in the header"
	run --separate-stderr kvae-cat -c 3- h.csv
	assert_bad_input kvae-cat "h.csv:1: column 3, the stream has 2"
}

@test "csv-dialect: names without a header are an error" {
	printf '\n# c\n1,2\n' >n.csv
	run --separate-stderr kvae-cat -c a n.csv
	assert_bad_input kvae-cat "n.csv:3: column 'a' chosen by name, but the stream has no header"
	kvae-cat -f bin n.csv >n.bin
	run --separate-stderr kvae-cat -c a n.bin
	assert_bad_input kvae-cat "n.bin: column 'a' chosen by name, but the stream has no header"
}

@test "csv-dialect: malformed --columns is a usage error" {
	printf 'a,b\n1,2\n' >h.csv
	for bad in '' '1,,2' '0' '3-1' '1-2-3' '"a' '"a"b' 'a"b'; do
		run --separate-stderr kvae-cat -c "$bad" h.csv
		if [ "$status" -ne 2 ]; then
			echo "--columns '$bad': status $status, expected 2"
			return 1
		fi
		if [[ "$stderr" != *"kvae-cat: --columns: "* ]]; then
			echo "--columns '$bad': stderr was: $stderr"
			return 1
		fi
	done
}

@test "csv-dialect: a header whose names are all empty is a record of missing values" {
	printf ',\n1,2\n' >e.csv
	run kvae-cat e.csv
	assert_output "$(printf 'nan,nan\n1,2')"
}

@test "csv-dialect: column names travel through binary" {
	macro_csv
	kvae-cat -c realgdp,unemp -f bin macro.csv >m.bin
	run kvae-cat --info m.bin
	assert_line "names: realgdp,unemp"
	run kvae-cat -c unemp -f csv m.bin
	assert_line -n 0 "unemp"
	assert_line -n 1 "5.8"
	# without names a binary stream is as before: flags 0
	kvae-cat -f bin want.csv >w.bin
	[ "$(od -An -j10 -N1 -tu1 w.bin | tr -d ' ')" = 0 ]
	run kvae-cat -f csv w.bin
	refute_line -n 0 "realgdp,unemp"
	# sections whose names differ are refused
	printf 'a,b\n1,2\n' | kvae-cat -f bin >ab.bin
	printf 'a,c\n1,2\n' | kvae-cat -f bin >ac.bin
	cat ab.bin ac.bin >abc.bin
	run --separate-stderr kvae-cat abc.bin
	assert_bad_input kvae-cat "abc.bin: sequence 2: column 2 is named 'c', the stream began with 'b'"
}
