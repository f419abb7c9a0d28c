package tray

import (
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/heraldpush/herald/engine/host"
	"github.com/heraldpush/herald/engine/task"
)

// How many recent failures the tray lists, and from how far back.
const (
	FailuresShown = 3
	FailuresDays  = 7
)

// StateOf is what the tray shows of o, failures in language lang.
func StateOf(o host.Overview, paused bool, lang string) State {
	s := State{Paused: paused}
	for _, t := range o.Tasks {
		s.Tasks = append(s.Tasks, Item{strconv.FormatInt(t.ID, 10), t.Name})
		if t.LastStatus.Failed() {
			s.Failing = true
		}
	}
	for _, c := range o.Channels {
		s.Channels = append(s.Channels, Item{c.ID, c.Name})
	}
	for _, r := range o.Failures {
		s.Failures = append(s.Failures, Item{strconv.FormatInt(r.ID, 10), FailureText(r, lang)})
	}
	sort.SliceStable(s.Tasks, func(i, j int) bool { return s.Tasks[i].Text < s.Tasks[j].Text })
	return s
}

// FailureText renders a failed run for the tray: "task — what went
// wrong", preferring the output's last meaningful line ("disk 97% full")
// over the outcome in language lang ("exit code 3").
func FailureText(r task.Run, lang string) string {
	line := lastMeaningfulLine(r.Output)
	if line == "" {
		line, _, _ = strings.Cut(task.Outcome(r).In(lang), "\n")
	}
	if len([]rune(line)) > failureRunes {
		line = string([]rune(line)[:failureRunes-1]) + "…"
	}
	return r.TaskName + " — " + line
}

// failureRunes is how long a failure's line may be in the tray menu.
const failureRunes = 60

var (
	ansiEscape = regexp.MustCompile(`\x1b\[[0-9;?]*[ -/]*[@-~]`)
	// noiseLine is what says nothing about the failure: the outcome the
	// run records anyway, or a line of punctuation.
	noiseLine = regexp.MustCompile(`^(?i:exit (status|code) -?\d+|[-=*#_.~\s]+)$`)
)

// lastMeaningfulLine is output's last line that says something, without
// terminal colours and surrounding space; "" when none does.
func lastMeaningfulLine(output string) string {
	lines := strings.Split(ansiEscape.ReplaceAllString(output, ""), "\n")
	for i := len(lines) - 1; i >= 0; i-- {
		line := strings.TrimSpace(strings.TrimSuffix(lines[i], "\r"))
		if line != "" && !noiseLine.MatchString(line) {
			return line
		}
	}
	return ""
}
