// Package execline_test runs a corpus of execline scripts through real
// execline (Debian's execline 2.9.3: /usr/lib/execline/bin first in PATH)
// and through s6box's (the symlink farm first in PATH), and requires the
// same stdout, stderr and exit code.
//
// Deliberate differences, not exercised here: elglob without -s returns
// matches in directory order like glob(3) with GLOB_NOSORT, which is what
// execline does too, but the corpus sorts (-s) to stay independent of the
// filesystem; background -d and pipeline -d cannot know the grandchild's
// pid and leave $! unset (background) or set to the intermediate child's
// pid (pipeline); fdreserve reports free descriptors that may differ by the
// ones the Go runtime holds.
package execline_test

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"s6box/test/harness"
)

func TestMain(m *testing.M) { os.Exit(harness.Main(m)) }

const debianBin = "/usr/lib/execline/bin"

// elCase is one script of the corpus.
type elCase struct {
	name   string
	opts   []string // execlineb options; default -P
	script string
	args   []string
	stdin  string
}

var corpus = []elCase{
	// Lexing: words, quotes, escapes, comments.
	{name: "words", script: "echo a b   c\n"},
	{name: "comment", script: "# a comment\necho x # not a comment: # is a word here\n"},
	{name: "quotes", script: `echo "a b" "" c"d e"f` + "\n"},
	{name: "escapes", script: `echo "tab:\tnl:\nbs:\\ q:\" dec:\65 oct:\0101 hex:\0x41"` + "\n"},
	{name: "backslash-word", script: `echo a\ b \" \\` + "\n"},
	{name: "line-continuation", script: "echo \"one \\\ntwo\"\n"},
	{name: "empty-words", script: `echo "" x "" y` + "\n"},
	{name: "syntax-error-quote", script: `echo "unterminated` + "\n"},
	{name: "syntax-error-escape", script: `echo "\0"` + "\n"},
	{name: "unmatched-open", script: "foreground { echo a\n"},
	{name: "unmatched-close", script: "echo a }\n"},
	{name: "empty-script", script: "# nothing\n"},
	// Blocks and their encoding.
	{name: "block-basic", script: "foreground { echo inside } echo after $?\n"},
	{name: "block-nested", script: "foreground { foreground { echo deep } echo mid } echo top\n"},
	{name: "block-braces-as-words", script: "echo {a} }b {\"\" c\n"},
	{name: "block-empty-word-inside", script: "foreground { echo \"\" x } echo done\n"},
	{name: "block-quoted-brace", script: "foreground { echo \"}\" \"{\" } echo ok\n"},
	{name: "block-unterminated", script: "foreground echo a\n"},
	// Positional parameters.
	{name: "S-subst", opts: []string{"-S2"}, script: "echo $# $1 $2 $@ end\n", args: []string{"x", "y z", "w"}},
	{name: "S-too-few", opts: []string{"-S2"}, script: "echo [$1] [$2]\n", args: []string{"x"}},
	{name: "S-too-few-W", opts: []string{"-W", "-S2"}, script: "echo [$1] [$2]\n", args: []string{"x"}},
	{name: "s-shift", opts: []string{"-s1"}, script: "echo first=$1 rest: $@\n", args: []string{"a", "b", "c"}},
	{name: "S-braces-escapes", opts: []string{"-S1"}, script: `echo ${1}x \$1 \\$1 \\\${1} $12` + "\n", args: []string{"A"}},
	{name: "push-env", opts: []string{"-S0"}, script: "execlineb -c \"importas a 1 importas n # echo $a $n\" inner\n"},
	{name: "p-env", opts: []string{"-p"}, script: "importas a 1 importas n # echo $a $n\n", args: []string{"p1"}},
	{name: "elgetpositionals", opts: []string{"-p"}, script: "elgetpositionals echo $# $1 $2 $@\n", args: []string{"u", "v"}},
	{name: "dollarat", opts: []string{"-p"}, script: "dollarat -d :\n", args: []string{"one", "two"}},
	{name: "shift", opts: []string{"-p"}, script: "shift -n 2 dollarat\n", args: []string{"a", "b", "c", "d"}},
	// Substitution: define, importas, multisubstitute, multidefine.
	{name: "define", script: "define X hello echo $X ${X}! $Xnot\n"},
	{name: "define-split", script: "define -s L \"a b  c\" echo [$L]\n"},
	{name: "define-split-crunch", script: "define -sC L \"a b  c\" echo [$L]\n"},
	{name: "define-split-delim", script: "define -s -d : L a:b::c echo [$L]\n"},
	{name: "define-chomp-split", script: "define -sn L \"a b c\" echo [$L]\n"},
	{name: "define-empty-key", script: "define \"\" x echo\n"},
	{name: "define-usage", script: "define X\n"},
	{name: "define-cartesian", script: "define -s A \"1 2\" define -s B \"x y\" echo $A-$B\n"},
	{name: "define-vanish", script: "define -s E \"\" echo a ${E}b c\n"},
	{name: "importas-basic", script: "export V val importas v V echo $v\n"},
	{name: "importas-unset-vanishes", script: "importas v NOPE_UNSET echo a $v b\n"},
	{name: "importas-D", script: "importas -D dflt v NOPE_UNSET echo $v\n"},
	{name: "importas-i", script: "importas -i v NOPE_UNSET echo $v\n"},
	{name: "importas-u", script: "export V val importas -u v V importas -D gone w V echo $v $w\n"},
	{name: "importas-split", script: "export V \"p  q\" importas -s v V echo [$v]\n"},
	{name: "multisubstitute", script: "export H hv multisubstitute { define A a importas H H define -s L \"1 2\" } echo $A $H $L\n"},
	{name: "multisubstitute-bad", script: "multisubstitute { nosuch X } echo\n"},
	{name: "multisubstitute-dup", script: "multisubstitute { define A a define A b } echo $A\n"},
	{name: "multidefine", script: "multidefine \"a b c d\" { x \"\" y } echo $x $y\n"},
	{name: "multidefine-r", script: "multidefine -r \"a b c d\" { x y } echo $x / $y\n"},
	{name: "multidefine-0", script: "multidefine -0 \"a\" { x y } echo [$x] [$y]\n"},
	{name: "elglob-sorted", script: "elglob -s F *.txt echo $F\n"},
	{name: "elglob-nomatch", script: "elglob F *.nomatch echo [$F]\n"},
	{name: "elglob-nomatch-0", script: "elglob -0 F *.nomatch echo [$F]\n"},
	{name: "elglob-mark", script: "elglob -sm F s* echo $F\n"},
	{name: "elglob-dot", script: "elglob -s F * echo $F\n"},
	// Control flow and exit codes.
	{name: "foreground-status", script: "foreground { sh -c \"exit 7\" } importas s ? echo $s\n"},
	{name: "foreground-nonexistent", script: "foreground { nonexistent-prog-xyz } importas s ? echo $s\n"},
	{name: "foreground-signal", script: "foreground { sh -c \"kill $$\" } importas s ? echo $s\n"},
	{name: "if-true", script: "if { true } echo yes\n"},
	{name: "if-false", script: "if { sh -c \"exit 3\" } echo no\n"},
	{name: "if-n", script: "if -n { false } echo negated\n"},
	{name: "if-t", script: "if -t { false } echo no\n"},
	{name: "if-x", script: "if -x 42 { false } echo no\n"},
	{name: "if-crash", script: "if { sh -c \"kill -9 $$\" } echo no\n"},
	{name: "ifelse", script: "ifelse { false } { echo then } echo else\n"},
	{name: "ifelse-then", script: "ifelse { true } { echo then } echo else\n"},
	{name: "ifelse-no-then", script: "ifelse { true }\n"},
	{name: "ifte", script: "ifte { echo then } { echo else } true\n"},
	{name: "ifte-empty-if", script: "ifte { echo then } { echo else }\n"},
	{name: "ifthenelse", script: "ifthenelse { false } { echo then } { echo else } echo after\n"},
	{name: "exit-code", script: "exit 42\n"},
	{name: "exit-bad", script: "exit foo\n"},
	{name: "exec-notfound", script: "nonexistent-prog-xyz arg\n"},
	{name: "exec-a", script: "exec -a myname sh -c \"echo $0\"\n"},
	{name: "exec-c", script: "export A 1 exec -c env\n"},
	// posix-cd and posix-umask (PWD exported first: without it execline's
	// posix-cd makes a relative PWD, ours starts from the working directory).
	{name: "posix-cd-logical", script: "getcwd PWD posix-cd sub/../sub importas p PWD importas o OLDPWD echo $p $o\n"},
	{name: "posix-cd-physical", script: "getcwd PWD posix-cd -P sub//. importas p PWD echo $p\n"},
	{name: "posix-cd-dash", script: "export OLDPWD /tmp posix-cd - pwd\n"},
	{name: "posix-cd-home", script: "foreground { posix-cd } importas s ? echo $s\n"},
	{name: "posix-cd-cdpath", script: "getcwd -E W export CDPATH /nonexistent:${W} cd / posix-cd sub pwd\n"},
	{name: "posix-cd-dotted-no-cdpath", script: "getcwd -E W export CDPATH ${W}/sub cd ${W} posix-cd ./sub pwd\n"},
	{name: "posix-cd-missing", script: "posix-cd nonexistent-dir true\n"},
	{name: "posix-cd-usage", script: "posix-cd -x\n"},
	{name: "posix-umask-print", script: "umask 027 posix-umask\n"},
	{name: "posix-umask-S", script: "umask 027 posix-umask -S\n"},
	{name: "posix-umask-octal", script: "posix-umask 1777 posix-umask\n"},
	{name: "posix-umask-symbolic", script: "umask 022 posix-umask u+r-w,g=u posix-umask -S\n"},
	{name: "posix-umask-copy", script: "umask 077 posix-umask go=u-w posix-umask\n"},
	{name: "posix-umask-no-who", script: "umask 777 posix-umask +rx posix-umask\n"},
	{name: "posix-umask-usage", script: "posix-umask -x\n"},
	{name: "tryexec", script: "tryexec { nonexistent-prog-xyz } echo fallback\n"},
	{name: "loopwhilex", script: "loopwhilex -x 3 sh -c \"echo run; exit 3\"\n"},
	{name: "forx", script: "forx i { a b c } echo item $i\n"},
	{name: "forx-E", script: "forx -E i { 1 2 } echo n=$i\n"},
	{name: "forx-p", script: "forx -p -E i { 1 2 3 } true\n"},
	{name: "forx-break", script: "forx -x 3 -E i { 1 2 3 } sh -c \"echo $i; exit $i\"\n"},
	{name: "forx-ok-codes", script: "forx -o 0,1 -E i { 0 1 2 3 } sh -c \"echo $i; exit $i\"\n"},
	{name: "forx-p-codes", script: "forx -p -o 0 -E i { 0 1 } sh -c \"exit $i\"\n"},
	{name: "forx-codes-trailing-word", script: "forx -o 1,x i { 1 } true\n"},
	{name: "forx-bad-name", script: "forx a=b { 1 } true\n"},
	{name: "forx-codes-lead-sep", script: "forx -o ,1 i { 1 } true\n"},
	{name: "forx-codes-overflow", script: "forx -x 70000 -E i { 0 1 } sh -c \"echo $i; exit $i\"\n"},
	{name: "loopwhilex-codes-trailing", script: "loopwhilex -o 3,x sh -c \"echo once; exit 4\"\n"},
	{name: "forstdin-codes-overflow", script: "forstdin -x 70000 L true\n"},
	{name: "forstdin-e-after-E", stdin: "v\n", script: "forstdin -E -e L echo got $L\n"},
	{name: "forstdin", stdin: "l1\nl2\n", script: "forstdin -E L echo got $L\n"},
	// eltest
	{name: "eltest-none", script: "foreground { eltest } importas s ? echo $s\n"},
	{name: "eltest-strings", script: "foreground { eltest abc = abc -a x != y } importas s ? foreground { eltest \"\" } importas t ? foreground { eltest -z \"\" -o -n \"\" } importas u ? echo $s $t $u\n"},
	{name: "eltest-files", script: "foreground { eltest -f a.txt -a -d sub -a ! -e nonexistent -a -s a.txt -a -r a.txt } importas s ? foreground { eltest -h a.txt -o -p a.txt -o -S a.txt } importas t ? echo $s $t\n"},
	{name: "eltest-numbers", script: "foreground { eltest 12abc -eq 12 -a +3 -gt -4 -a 99999999999 -ge 5 } importas s ? foreground { eltest 1 -le 0 } importas t ? echo $s $t\n"},
	{name: "eltest-parens", script: "foreground { eltest ! ( a -a \"\" ) -a ( \"\" -o b ) } importas s ? foreground { eltest \\-n } importas t ? echo $s $t\n"},
	{name: "eltest-order", script: "foreground { eltest abc < abd -a b > a -a a <= a -a b >= c } importas s ? echo $s\n"},
	{name: "eltest-regex", script: "foreground { eltest abc =~ ^a.c$ } importas s ? foreground { eltest abc =~ x|b } importas t ? foreground { eltest abc =~ \"\" } importas u ? echo $s $t $u\n"},
	{name: "eltest-env", script: "export SETVAR 1 foreground { eltest -v SETVAR -a ! -v NOPE_UNSET } importas s ? echo $s\n"},
	{name: "eltest-bad-regex", script: "eltest abc =~ b(\n"},
	{name: "eltest-bad-int", script: "eltest x -eq 1\n"},
	{name: "eltest-bad-t", script: "eltest -t x\n"},
	{name: "eltest-parse-error", script: "eltest a b\n"},
	{name: "eltest-parse-unary", script: "eltest -n\n"},
	{name: "eltest-bad-paren", script: "eltest a )\n"},
	{name: "eltest-open-paren", script: "eltest ( a\n"},
	{name: "eltest-dangling-unary", script: "eltest -n a = b\n"},
	{name: "eltest-empty-parens", script: "eltest ( )\n"},
	// case
	{name: "case-regex", script: "case abc { b { echo b } a.c { echo a.c } } echo default\n"},
	{name: "case-default", script: "case abc { b { echo b } } echo default\n"},
	{name: "case-no-default", script: "case abc { b { echo b } }\n"},
	{name: "case-empty-block", script: "case abc { abc { } } echo x\n"},
	{name: "case-N", script: "case -N abc { \"a(b)(x)?(c)\" { importas -i n \"#\" importas -i z 0 importas -i a 1 importas -i b 2 importas -i c 3 echo $n $z [$a] [$b] [$c] } }\n"},
	{name: "case-n-unset", script: "case -n abc { \"a(b)c\" { importas -D unset n \"#\" echo $n } }\n"},
	{name: "case-i", script: "case -i ABC { abc { echo icase } } echo no\n"},
	{name: "case-e-bre", script: "case -e a+b { a+b { foreground { echo bre } case -e aa { \"a\\\\{2\\\\}\" { echo interval } } } }\n"},
	{name: "case-e-group", script: "case -N -e ab { \"\\\\(a\\\\)b\" { importas -i x 1 echo m $x } } echo nm\n"},
	{name: "case-s-glob", script: "case -s abc { \"a*\" { echo glob } } echo no\n"},
	{name: "case-s-period", script: "case -s -i .abc { \"*abc\" { echo m } } case -s .abc { \"*abc\" { echo m2 } } echo nm\n"},
	{name: "case-s-pathname", script: "case -s -N a/b { \"a*b\" { echo m } } case -s a/b { \"a*b\" { echo m2 } } echo nm\n"},
	{name: "case-s-noescape", script: "case -s -e \"a\\\\\" { \"a\\\\\" { echo m } } echo nm\n"},
	{name: "case-newline", script: "case \"x\nabc\ny\" { abc { echo nl } } echo nonl\n"},
	{name: "case-bad-regex", script: "case abc { \"a(\" { echo x } }\n"},
	{name: "case-malformed", script: "case abc { a }\n"},
	{name: "case-unterminated-regex", script: "case abc { a b }\n"},
	{name: "case-usage", script: "case abc\n"},
	{name: "case-bad-option", script: "case -z abc { }\n"},
	// elgetopt
	{name: "elgetopt", opts: []string{"-p"}, script: "elgetopt ab:c importas -D - a ELGETOPT_a importas -D - b ELGETOPT_b importas -D - c ELGETOPT_c importas -i n \"#\" elgetpositionals echo $a $b $c $n $@\n", args: []string{"-ac", "-bx", "--", "-a", "z"}},
	{name: "elgetopt-D", opts: []string{"-p"}, script: "elgetopt -D yes a importas -i a ELGETOPT_a dollarat\n", args: []string{"-a", "rest"}},
	{name: "elgetopt-illegal", opts: []string{"-p"}, script: "elgetopt ab: echo no\n", args: []string{"-x"}},
	{name: "elgetopt-missing-arg", opts: []string{"-p"}, script: "elgetopt ab: echo no\n", args: []string{"-b"}},
	{name: "elgetopt-push", opts: []string{"-p"}, script: "export ELGETOPT_a old elgetopt a importas -i o ELGETOPT_a:1 importas -i n ELGETOPT_a echo $o $n\n", args: []string{"-a"}},
	{name: "elgetopt-not-set", script: "elgetopt a echo\n"},
	{name: "elgetopt-usage", script: "elgetopt a\n"},
	// runblock
	{name: "runblock-1", opts: []string{"-p"}, script: "runblock 1 echo pre\n", args: []string{" a", " b", "", " c", ""}},
	{name: "runblock-2", opts: []string{"-p"}, script: "runblock 2 echo pre\n", args: []string{" a", " b", "", " c", ""}},
	{name: "runblock-r", opts: []string{"-p"}, script: "runblock -r 2 echo pre\n", args: []string{" a", "", " c", "", "x", "y"}},
	{name: "runblock-r-none", opts: []string{"-p"}, script: "runblock -r 1 echo pre\n", args: []string{" a", ""}},
	{name: "runblock-n", opts: []string{"-p"}, script: "runblock -n 1 1 echo\n", args: []string{"skip", " a", ""}},
	{name: "runblock-pop", opts: []string{"-p"}, script: "export 1:1 outer runblock 1 importas -D none x 1 echo $x\n", args: []string{" a", ""}},
	{name: "runblock-P", opts: []string{"-p"}, script: "runblock -P 1 importas -D none x 1 echo\n", args: []string{" a", ""}},
	{name: "runblock-too-few", opts: []string{"-p"}, script: "runblock 3 echo\n", args: []string{" a", ""}},
	{name: "runblock-usage", opts: []string{"-p"}, script: "runblock 0 echo\n"},
	{name: "runblock-strict", opts: []string{"-p"}, script: "foreground { export EXECLINE_STRICT 1 runblock 1 echo } export EXECLINE_STRICT 2 runblock 2 echo\n", args: []string{"a", "", "b", ""}},
	{name: "runblock-not-set", script: "runblock 1 echo\n"},
	// forstdin, more
	{name: "forstdin-partial", stdin: "l1\nl2", script: "forstdin -E L echo got $L\n"},
	{name: "forstdin-partial-N", stdin: "l1\nl2", script: "forstdin -N -E L echo got [$L]\n"},
	{name: "forstdin-crunch", stdin: "a\n\n\nb\n", script: "forstdin -C -E L echo got $L\n"},
	{name: "forstdin-delim", stdin: "a:b;c", script: "forstdin -N -d :; -E L echo got $L\n"},
	{name: "forstdin-empty", script: "forstdin -E L echo got $L\n"},
	{name: "forstdin-break", stdin: "1\n2\n3\n", script: "forstdin -x 2 -E L sh -c \"echo $L; exit $L\"\n"},
	{name: "forstdin-netstring", stdin: "3:abc,0:,", script: "forstdin -d \"\" -E L echo got [$L]\n"},
	{name: "forstdin-netstring-short", stdin: "3:abc,1:", script: "forstdin -d \"\" -E L echo got [$L]\n"},
	{name: "forstdin-netstring-bad", stdin: "3:abcX", script: "forstdin -d \"\" -E L echo got [$L]\n"},
	{name: "forstdin-netstring-header", stdin: "x:abc,", script: "forstdin -d \"\" -E L echo got [$L]\n"},
	{name: "forstdin-body-reads-stdin", stdin: "l1\nl2\n", script: "forstdin -E L echo got $L\n"},
	{name: "forbacktickx", script: "forbacktickx -E L { printf \"x\\ny\\n\" } echo got $L\n"},
	{name: "backtick", script: "backtick -E X { echo hi } echo [$X]\n"},
	{name: "backtick-N", script: "backtick -N X { echo hi } importas -u X X echo [$X]\n"},
	{name: "backtick-fail", script: "backtick -E X { false } echo [$X]\n"},
	{name: "backtick-D", script: "backtick -D dflt -E X { false } echo [$X]\n"},
	{name: "backtick-empty", script: "backtick X { } echo\n"},
	{name: "withstdinas", stdin: "in put\n", script: "withstdinas -E S echo [$S]\n"},
	{name: "background-wait", script: "background { echo bg } wait { } echo done\n"},
	{name: "background-empty", script: "background { } echo x\n"},
	{name: "wait-all", script: "background { sh -c \"exit 5\" } wait\n"},
	// Descriptors.
	{name: "fdmove-c", script: "fdmove -c 2 1 sh -c \"echo to-stderr >&2\"\n"},
	{name: "fdmove-bad", script: "fdmove x 1 true\n"},
	{name: "fdmove-ebadf", script: "fdmove 1 9 true\n"},
	{name: "fdclose", script: "fdclose 1 sh -c \"echo x 2>/dev/null || echo closed >&2\"\n"},
	{name: "fdswap", script: "fdswap 1 2 sh -c \"echo out; echo err >&2\"\n"},
	{name: "redirfd-w", script: "foreground { redirfd -w 1 out.txt echo written } cat out.txt\n"},
	{name: "redirfd-a", script: "foreground { redirfd -a 1 a.txt echo appended } cat a.txt\n"},
	{name: "redirfd-x-exists", script: "redirfd -x 1 a.txt echo no\n"},
	{name: "redirfd-r", script: "redirfd -r 0 a.txt cat\n"},
	{name: "redirfd-nb", script: "redirfd -nb -r 0 a.txt cat\n"},
	{name: "redirfd-missing", script: "redirfd -r 0 nonexistent.txt cat\n"},
	{name: "redirfd-usage", script: "redirfd 0 a.txt cat\n"},
	{name: "heredoc", script: "heredoc 0 \"line1\\nline2\\n\" cat\n"},
	{name: "heredoc-fd", script: "heredoc 3 data sh -c \"cat <&3\"\n"},
	{name: "pipeline", script: "pipeline { echo abc } tr a-z A-Z\n"},
	{name: "pipeline-w", script: "pipeline -w { tr a-z A-Z } echo xyz\n"},
	{name: "pipeline-empty-remainder", script: "pipeline { echo x }\n"},
	{name: "piperw", script: "piperw 5 6 foreground { fdmove 1 6 echo through } fdclose 6 fdmove 0 5 cat\n"},
	// Environment and process state.
	{name: "export-unexport", script: "export A 1 unexport A importas -D unset a A echo $a\n"},
	{name: "export-bad", script: "export A=B c echo\n"},
	{name: "emptyenv-p", script: "emptyenv -p env\n"},
	{name: "emptyenv-P", opts: []string{"-S0"}, script: "export 1 one export 1:1 old emptyenv -P importas -D none x 1 echo $x\n"},
	{name: "envfile", script: "envfile env.conf importas -i A A importas -i B B importas -i C C echo [$A] [$B] [$C]\n"},
	{name: "envfile-missing", script: "envfile nonexistent.conf echo\n"},
	{name: "envfile-I", script: "envfile -I nonexistent.conf echo ok\n"},
	{name: "envfile-syntax", script: "envfile bad.conf echo\n"},
	{name: "cd", script: "cd sub pwd\n"},
	{name: "cd-missing", script: "cd nonexistent true\n"},
	{name: "umask", script: "umask 027 sh -c umask\n"},
	{name: "getcwd", script: "cd sub getcwd -E D echo $D\n"},
	{name: "getpid-var", script: "getpid P importas -i P P true\n"},
	{name: "homeof", script: "homeof root\n"},
	{name: "homeof-missing", script: "homeof nonexistent-user-xyz\n"},
	{name: "trap-usage", script: "trap { } true\n"},
	{name: "trap-exit", script: "trap { term { echo t } } sh -c \"exit 4\"\n"},
	// Argument edge cases: numbers with trailing bytes or out of range, empty
	// words, unknown options, as each command's scanner reads them.
	{name: "args-exit-256", script: "exit 256\n"},
	{name: "args-exit-65536", script: "exit 65536\n"},
	{name: "args-exit-1x", script: "exit 1x\n"},
	{name: "args-exit-1", script: "exit -1\n"},
	{name: "args-exit", script: "exit \"\"\n"},
	{name: "args-fdmove-1x-2", script: "fdmove 1x 2 echo a\n"},
	{name: "args-fdmove-1-2x", script: "fdmove 1 2x echo a\n"},
	{name: "args-fdmove-c-1", script: "fdmove -c 1 99999999999 echo a\n"},
	{name: "args-fdclose-3x-echo", script: "fdclose 3x echo a\n"},
	{name: "args-fdclose-70000-echo", script: "fdclose 70000 echo a\n"},
	{name: "args-shift-n-1x", script: "shift -n 1x dollarat\n"},
	{name: "args-shift-n-99", script: "shift -n 99 dollarat\n"},
	{name: "args-wait-t-1x", script: "wait -t 1x { } echo a\n"},
	{name: "args-wait-t-100", script: "wait -t 100 { } echo a\n"},
	{name: "args-redirfd-r-0x", script: "redirfd -r 0x /dev/null echo a\n"},
	{name: "args-redirfd-w-1", script: "redirfd -w 1 /nonexistent/x echo a\n"},
	{name: "args-piperw-3-3", script: "piperw 3 3 echo a\n"},
	{name: "args-piperw-3x-4", script: "piperw 3x 4 echo a\n"},
	{name: "args-fdreserve-0-echo", script: "fdreserve 0 echo a\n"},
	{name: "args-fdreserve-1x-echo", script: "fdreserve 1x echo a\n"},
	{name: "args-fdreserve-99999-echo", script: "fdreserve 99999 echo a\n"},
	{name: "args-elgetpositionals-p-1x", script: "elgetpositionals -P 1x echo a\n"},
	{name: "args-heredoc-0x-x", script: "heredoc 0x \"x\" cat\n"},
	{name: "args-heredoc-0-line", script: "heredoc 0 \"line\" cat\n"},
	{name: "args-getpid-p-p", script: "getpid -P P importas -i P P true\n"},
	{name: "args-background-d-true", script: "background -d { true } echo a\n"},
	{name: "args-trap-x-sigfoo", script: "trap -x { SIGFOO { echo x } } true\n"},
	{name: "args-trap-15-echo", script: "trap { 15 { echo x } } true\n"},
	{name: "args-umask-0999-true", script: "umask 0999 true\n"},
	{name: "args-umask-7777-sh", script: "umask 7777 sh -c umask\n"},
	{name: "args-umask-true", script: "umask \"\" true\n"},
	{name: "args-cd-true", script: "cd \"\" true\n"},
	{name: "args-importas-d-v", script: "importas -D \"\" v NOPE echo [$v]\n"},
	{name: "args-define-d-l", script: "define -d \"\" L x echo $L\n"},
	{name: "args-backtick-d-dflt", script: "backtick -D dflt V { false } importas V V echo $V\n"},
	{name: "args-backtick-x-v", script: "backtick -x V { false } echo no\n"},
	{name: "args-backtick-i-v", script: "backtick -I V { false } echo [$V]\n"},
	{name: "args-withstdinas-d-d", script: "withstdinas -D d V importas V V echo $V\n"},
	{name: "args-multidefine-d-a", script: "multidefine -d : \"a:b\" { x y } echo $x $y\n"},
	{name: "args-ifte-echo-t", script: "ifte { echo t } { echo e } sh -c \"exit 300\"\n"},
	{name: "args-if-x-false", script: "if -X { false } echo no\n"},
	{name: "args-ifelse-x-false", script: "ifelse -X { false } { echo t } echo e\n"},
	{name: "args-case-x-abc", script: "case -x abc { a.c { echo m } } echo n\n"},
	{name: "args-envfile-i-missing", script: "envfile -I missing.conf echo ok\n"},
	{name: "args-envfile-missing-conf", script: "envfile missing.conf echo ok\n"},
	{name: "args-export-a-b", script: "export \"A=B\" x true\n"},
	{name: "args-unexport-true", script: "unexport \"\" true\n"},
	{name: "args-emptyenv-x-true", script: "emptyenv -x true\n"},
	{name: "args-elglob-x-f", script: "elglob -x F * echo a\n"},
	{name: "args-forbacktickx-o-2", script: "forbacktickx -o 2 -E L { printf \"a\\nb\\n\" } sh -c \"echo $L; exit 2\"\n"},
	{name: "args-forbacktickx-x-0", script: "forbacktickx -x 0 -E L { printf \"a\\nb\\n\" } echo $L\n"},
	{name: "args-loopwhilex-x-0", script: "loopwhilex -x 0 sh -c \"echo x; exit 0\"\n"},
	{name: "args-pipeline-w-cat", script: "pipeline -w { cat } echo hi\n"},
	{name: "args-pipeline-r-echo", script: "pipeline -r { echo hi } cat\n"},
	{name: "args-fdswap-0-0", script: "fdswap 0 0 echo a\n"},
	{name: "args-fdswap-1-1x", script: "fdswap 1 1x echo a\n"},
	{name: "args-fdblock-1x-echo", script: "fdblock 1x echo a\n"},
	{name: "args-fdblock-n-1", script: "fdblock -n 1 echo a\n"},
	// Options and forms of each command in normal use.
	{name: "flags-backtick-n-v", script: "backtick -n V { printf \"a\\n\\n\" } importas -u V V echo [$V]\n"},
	{name: "flags-backtick-n-v-2", script: "backtick -N V { printf \"a\\n\\n\" } importas -u V V echo [$V]\n"},
	{name: "flags-backtick-e-v", script: "backtick -E V { echo hi } echo $V\n"},
	{name: "flags-backtick-e-v-2", script: "backtick -e V { echo hi } importas V V echo $V\n"},
	{name: "flags-backtick-i-v", script: "backtick -i V { sh -c \"echo x; exit 3\" } echo no\n"},
	{name: "flags-backtick-i-v-2", script: "backtick -I V { sh -c \"exit 3\" } importas V V echo [$V]\n"},
	{name: "flags-withstdinas-n-v", script: "withstdinas -n V importas V V echo [$V]\n"},
	{name: "flags-withstdinas-e-v", script: "withstdinas -E V echo [$V]\n"},
	{name: "flags-withstdinas-i-v", script: "withstdinas -i V echo [$V]\n"},
	{name: "flags-forbacktickx-d-e", script: "forbacktickx -d : -E X { printf \"a:b:c\" } echo $X\n"},
	{name: "flags-forbacktickx-0-e", script: "forbacktickx -0 -E X { printf \"a\\0b\\0\" } echo $X\n"},
	{name: "flags-forbacktickx-c-e", script: "forbacktickx -C -E X { printf \"a\\n\\n\\nb\\n\" } echo $X\n"},
	{name: "flags-forbacktickx-n-e", script: "forbacktickx -N -E X { printf \"a\\nb\" } echo [$X]\n"},
	{name: "flags-heredoc-d-0", script: "heredoc -d 0 \"text\" cat\n"},
	{name: "flags-heredoc-3-three", script: "heredoc 3 \"three\" sh -c \"cat <&3\"\n"},
	{name: "flags-case-i-abc", script: "case -i ABC { abc { echo lower } } echo none\n"},
	{name: "flags-case-s-abc", script: "case -s abc { a* { echo glob } } echo none\n"},
	{name: "flags-case-n-e", script: "case -N -e abc { \"a(b)c\" { importas -u M 1 echo m=$M } } echo none\n"},
	{name: "flags-case-n-abc", script: "case -n abc { \"a(b)c\" { importas -u M 1 echo m=$M } } echo none\n"},
	{name: "flags-eltest-n-o", script: "eltest -n \"\" -o -z \"\"\n"},
	{name: "flags-eltest-3-lt", script: "eltest 3 -lt 10\n"},
	{name: "flags-eltest-abc-abc", script: "eltest abc = abc -a x != y\n"},
	{name: "flags-eltest-e-nonexistent", script: "eltest ! -e /nonexistent\n"},
	{name: "flags-eltest-d-a", script: "eltest -d / -a -f /etc/passwd\n"},
	{name: "flags-eltest-010-eq", script: "eltest 010 -eq 10\n"},
	{name: "flags-eltest-a-b", script: "eltest a < b\n"},
	{name: "flags-eltest-1-eq", script: "eltest ( 1 -eq 1 )\n"},
	{name: "flags-eltest-v-home", script: "eltest -v HOME\n"},
	{name: "flags-importas-s-d", script: "importas -s -d : V P echo [$V]\n"},
	{name: "flags-define-n-x", script: "define -N X \"a b\" echo [$X]\n"},
	{name: "flags-define-sd-l", script: "define -sd, L \"a,,b\" echo [$L]\n"},
	{name: "flags-define-scd-l", script: "define -sCd, L \"a,,b\" echo [$L]\n"},
	{name: "flags-multisubstitute-define-s", script: "multisubstitute { define -s A \"1 2\" define B x } echo $A$B\n"},
	{name: "flags-elglob-0-x", script: "elglob -0 X /nonexistent* echo [$X]\n"},
	{name: "flags-elglob-s-x", script: "elglob -s X /etc/host* echo $X\n"},
	{name: "flags-ifthenelse-s-true", script: "ifthenelse -s { true } { define A then } { define A else } echo $A\n"},
	{name: "flags-ifelse-n-true", script: "ifelse -n { true } { echo t } echo e\n"},
	{name: "flags-if-t-false", script: "if -t { false } echo next\n"},
	{name: "flags-fdreserve-2-importas", script: "fdreserve 2 importas -u a FD0 importas -u b FD1 eltest $a -ne $b\n"},
	{name: "flags-pipeline-d-echo", script: "pipeline -d { echo hi } cat\n"},
	{name: "flags-piperw-5-6", script: "piperw 5 6 fdclose 5 echo ok\n"},
	{name: "flags-redirfd-c-1", script: "redirfd -c 1 /dev/null echo gone\n"},
	{name: "flags-redirfd-x-1", script: "redirfd -x 1 /etc/passwd echo no\n"},
	{name: "flags-redirfd-n-1", script: "redirfd -n 1 /dev/null echo gone\n"},
	{name: "flags-redirfd-a-1", script: "redirfd -a 1 /dev/null echo gone\n"},
	{name: "flags-fdmove-c-3", script: "fdmove -c 3 1 sh -c \"echo via3 >&3\"\n"},
	{name: "flags-fdswap-1-2", script: "fdswap 1 2 sh -c \"echo out; echo err >&2\"\n"},
	{name: "flags-emptyenv-p-env", script: "emptyenv -p env\n"},
	{name: "flags-emptyenv-c-env", script: "emptyenv -c env\n"},
	{name: "flags-emptyenv-o-env", script: "emptyenv -o env\n"},
	{name: "flags-getcwd-e-x", script: "getcwd -E X echo $X\n"},
	{name: "flags-exec-c-env", script: "exec -c env\n"},
	{name: "flags-exec-a-foo", script: "exec -a foo sh -c \"echo $0\"\n"},
	{name: "flags-tryexec-n-nonexistent", script: "tryexec -n { /nonexistent } echo fallback\n"},
	{name: "flags-tryexec-nonexistent-echo", script: "tryexec { /nonexistent } echo fallback\n"},
	{name: "flags-tryexec-c-env", script: "tryexec -c { env } echo fb\n"},
	{name: "flags-wait-echo-waited", script: "wait { } echo waited\n"},
	{name: "flags-background-sleep-0", script: "background { sleep 0 } wait { } echo bg\n"},
	{name: "flags-homeof-nobody", script: "homeof nobody\n"},
	{name: "flags-dollarat-0", script: "dollarat -0\n"},
	{name: "flags-shift-b-1", script: "shift -b 1 dollarat\n"},
	{name: "flags-runblock-1-echo", script: "runblock 1 echo x\n"},
	{name: "strict-unquoted", opts: []string{"-W"}, script: "foreground echo a \"\" echo b\n"},
}

// fixture fills a work directory with the files the corpus uses.
func fixture(t *testing.T, dir string) {
	t.Helper()
	files := map[string]string{
		"a.txt":    "A\n",
		"b.txt":    "B\n",
		".hid.txt": "hidden\n",
		"env.conf": "# comment\nA = one \nB=\"q\\tuote\"\n  C=x\\\n y\n",
		"bad.conf": "A=1\nB C\n",
	}
	for n, c := range files {
		if err := os.WriteFile(filepath.Join(dir, n), []byte(c), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Mkdir(filepath.Join(dir, "sub"), 0o755); err != nil {
		t.Fatal(err)
	}
}

type outcome struct {
	stdout, stderr string
	code           int
}

// runScript runs one case with execlineb found at execlineb and PATH path,
// in a fresh fixture directory.
func runScript(t *testing.T, c elCase, execlineb, path string) outcome {
	t.Helper()
	dir := t.TempDir()
	fixture(t, dir)
	script := filepath.Join(dir, "script")
	if err := os.WriteFile(script, []byte(c.script), 0o644); err != nil {
		t.Fatal(err)
	}
	opts := c.opts
	if opts == nil {
		opts = []string{"-P"}
	}
	args := append(append(append([]string{}, opts...), "script"), c.args...)
	cmd := exec.Command(execlineb, args...)
	cmd.Dir = dir
	cmd.Env = []string{"PATH=" + path, "HOME=/root", "LC_ALL=C"}
	cmd.Stdin = strings.NewReader(c.stdin)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	r := harness.RunCmd(t, 20*time.Second, cmd)
	clean := func(s string) string {
		return strings.ReplaceAll(strings.ReplaceAll(s, dir, "WORK"), path, "SEARCHPATH")
	}
	return outcome{clean(r.Stdout), clean(r.Stderr), r.Code}
}

func requireDebian(t *testing.T) {
	if _, err := os.Stat(filepath.Join(debianBin, "execlineb")); err != nil {
		harness.SkipOrFail(t, "Debian's execline is not installed (%s)", debianBin)
	}
}

func TestCorpusAgainstExecline(t *testing.T) {
	requireDebian(t)
	farm := harness.BinDir(t)
	if len(corpus) < 60 {
		t.Fatalf("corpus has %d scripts, want at least 60", len(corpus))
	}
	for _, c := range corpus {
		c := c
		t.Run(c.name, func(t *testing.T) {
			want := runScript(t, c, filepath.Join(debianBin, "execlineb"), debianBin+":/usr/bin:/bin")
			got := runScript(t, c, filepath.Join(farm, "execlineb"), farm+":/usr/bin:/bin")
			if got != want {
				t.Errorf("script:\n%s\nexecline: code %d\nstdout %q\nstderr %q\ns6box:    code %d\nstdout %q\nstderr %q",
					c.script, want.code, want.stdout, want.stderr, got.code, got.stdout, got.stderr)
			}
		})
	}
}

// TestCorpusNotVacuous checks that the comparison can fail: a script whose
// output depends on which execline runs it must differ.
func TestCorpusNotVacuous(t *testing.T) {
	requireDebian(t)
	farm := harness.BinDir(t)
	c := elCase{name: "which", script: "sh -c \"command -v foreground\"\n"}
	a := runScript(t, c, filepath.Join(debianBin, "execlineb"), debianBin+":/usr/bin:/bin")
	b := runScript(t, c, filepath.Join(farm, "execlineb"), farm+":/usr/bin:/bin")
	if a == b || !bytes.Contains([]byte(b.stdout), []byte(farm)) {
		t.Fatalf("the two runs are not distinguishable: %+v vs %+v", a, b)
	}
}
