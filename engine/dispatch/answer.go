package dispatch

import (
	"strings"
	"time"

	"github.com/heraldpush/herald/engine/channel"
	"github.com/heraldpush/herald/engine/i18n"
)

// answerKeys are the answers the dispatcher itself records.
var answerKeys = map[string]string{
	"ok":                 "answer.ok",
	answerChannelRemoved: "answer.channel_removed",
	answerShutdown:       "answer.shutdown",
	answerCancelled:      "answer.cancelled",
}

// AnswerText is a recorded answer (store.Delivery.Answer, a test's answer)
// for people: the dispatcher's own words and the hints Herald adds in the
// reader's language, the service's words as they are.
func AnswerText(answer string) i18n.Text {
	if key, ok := answerKeys[answer]; ok {
		return i18n.T(key)
	}
	if rest, ok := strings.CutPrefix(answer, "gave up after "); ok {
		after, last, ok := strings.Cut(rest, ": ")
		if d, err := time.ParseDuration(after); ok && err == nil {
			return i18n.T("answer.gave_up", "After", i18n.Duration(d), "Answer", AnswerText(last))
		}
	}
	return channel.AnswerText(answer)
}
