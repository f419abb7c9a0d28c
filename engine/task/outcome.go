package task

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/heraldpush/herald/engine/i18n"
)

// Outcome says how a run ended, for people: "exit code 3", "timed out
// after 30 s", "GET https://example.com: connection refused". It is built
// from the run's status and exit code; Error is stored in English, so its
// text is read only for the shapes Execute writes (outcomeShapes), anything
// else is shown as stored.
func Outcome(r Run) i18n.Text {
	switch {
	case r.Status == StatusSkipped:
		var n int
		if _, err := fmt.Sscanf(r.Error, SkippedManyError, &n); err == nil && n > 1 {
			return i18n.T("run.skipped_many", "N", n)
		}
		return i18n.T("run.skipped")
	case r.Error == errCancelled:
		return i18n.T("run.cancelled")
	case r.Status == StatusSuccess && r.HTTPStatus != 0:
		return i18n.T("run.http_status", "Code", r.HTTPStatus)
	case r.Status == StatusSuccess && r.ExitCode != nil:
		return i18n.T("run.exit_code", "Code", *r.ExitCode)
	case r.Status == StatusSuccess:
		return i18n.T("run.succeeded")
	case r.ExitCode != nil && r.Error == "exit status "+strconv.Itoa(*r.ExitCode):
		return i18n.T("run.exit_code", "Code", *r.ExitCode)
	case r.Error == "" && r.Status == StatusTimeout:
		return i18n.T("run.timed_out")
	case r.Error == "":
		return i18n.T("run.failed")
	}
	first, _, _ := strings.Cut(r.Error, "\n")
	if r.HTTPStatus != 0 {
		// An answer that failed the check: its problems joined by "; ".
		var texts []i18n.Text
		for p := range strings.SplitSeq(first, "; ") {
			texts = append(texts, problemText(p))
		}
		return i18n.Join(texts...)
	}
	if t, ok := shapeText(first); ok {
		return t
	}
	return i18n.Plain(r.Error)
}

// problemText reads one problem Execute wrote, or shows it as it is.
func problemText(p string) i18n.Text {
	if t, ok := shapeText(p); ok {
		return t
	}
	return i18n.Plain(p)
}

func shapeText(p string) (i18n.Text, bool) {
	for _, s := range outcomeShapes {
		if m := s.re.FindStringSubmatch(p); m != nil {
			if t, ok := s.text(m); ok {
				return t, true
			}
		}
	}
	return i18n.Text{}, false
}

// outcomeShape is one of the English sentences Execute stores in
// Run.Error and the text it stands for.
type outcomeShape struct {
	re   *regexp.Regexp
	text func(m []string) (i18n.Text, bool)
}

var outcomeShapes = []outcomeShape{
	{regexp.MustCompile(`^timed out after (\S+)$`), func(m []string) (i18n.Text, bool) {
		d, err := time.ParseDuration(m[1])
		return i18n.T("run.timeout", "Duration", i18n.Duration(d)), err == nil
	}},
	{regexp.MustCompile(`^killed by signal (\d+) \((.*)\)$`), keyed("run.signal", "Signal", "Name")},
	{regexp.MustCompile(`^status (\d+) not in (.+)$`), keyed("run.http.status", "Code", "Want")},
	{regexp.MustCompile(`^body does not contain (".*")$`), keyed("run.http.body", "Value")},
	{regexp.MustCompile(`^body does not match (/.*/)$`), keyed("run.http.regex", "Pattern")},
	{regexp.MustCompile(`^only the first (\d+) KiB of the body were checked$`), keyed("run.http.partial", "N")},
	{regexp.MustCompile(`^program (".*") not found( in PATH)?$`), keyed("run.program_missing", "Program")},
	{regexp.MustCompile(`^cannot run (".*"): permission denied$`), keyed("run.permission", "Program")},
	{regexp.MustCompile(`^cannot run (".*"): its interpreter \(the #! line\) was not found$`), keyed("run.interpreter", "Program")},
	{regexp.MustCompile(`^working directory (".*") does not exist$`), keyed("run.dir_missing", "Dir")},
	{regexp.MustCompile(`^working directory (".*") is not a directory$`), keyed("run.dir_not_dir", "Dir")},
	{regexp.MustCompile(`^reading body: (.*)$`), func(m []string) (i18n.Text, bool) {
		return i18n.T("run.http.read", "Problem", netProblem(m[1])), true
	}},
	{regexp.MustCompile(`^([A-Z]+ https?://\S*): (.*)$`), func(m []string) (i18n.Text, bool) {
		return i18n.T("run.http.request", "Request", m[1], "Problem", netProblem(m[2])), true
	}},
}

// keyed is a shape whose submatches are the text's arguments, in order.
func keyed(key string, names ...string) func(m []string) (i18n.Text, bool) {
	return func(m []string) (i18n.Text, bool) {
		kv := make([]any, 0, 2*len(names))
		for i, n := range names {
			kv = append(kv, n, m[i+1])
		}
		return i18n.T(key, kv...), true
	}
}

// netProblems are the network failures people meet most, by the words Go's
// errors end in.
var netProblems = []struct{ words, key string }{
	{"connection refused", "run.net.refused"},
	{"no such host", "run.net.no_host"},
	{"i/o timeout", "run.net.timeout"},
	{"connection reset by peer", "run.net.reset"},
	{"network is unreachable", "run.net.unreachable"},
	{"certificate", "run.net.tls"},
	{"EOF", "run.net.eof"},
	{"stopped after 10 redirects", "run.net.redirects"},
}

func netProblem(s string) i18n.Text {
	for _, p := range netProblems {
		if strings.Contains(s, p.words) {
			return i18n.T(p.key)
		}
	}
	return i18n.Plain(s)
}
