package dispatch

import (
	"strings"
	"testing"

	"github.com/heraldpush/herald/engine/i18n"
	"github.com/heraldpush/herald/engine/i18n/i18ntest"
)

// Every problem with the push settings reads in Chinese, and every push
// text is provoked.
func TestEverySettingProblemReadsInChinese(t *testing.T) {
	seen := map[string]bool{}
	note := func(what string, err error) {
		t.Helper()
		if err == nil {
			t.Errorf("%s passed", what)
			return
		}
		i18ntest.Check(t, err)
		txt, _ := i18n.TextOf(err)
		for _, k := range i18ntest.Keys(txt) {
			seen[k] = true
		}
	}
	for _, kv := range [][2]string{
		{"failures_before_notify", "x"}, {"failures_before_notify", "100"},
		{"batch.interval", "x"}, {"batch.interval", "1"}, {"batch.interval", "99999999999"}, {"batch.interval", "90000"},
		{"batch.first", "25:00"}, {"language", "fr"}, {"nonsense", "x"}, {"enabled", "maybe"}, {"channels", " , "},
	} {
		s := DefaultSettings()
		note("Set "+kv[0]+"="+kv[1], s.Set(kv[0], kv[1], resolveByTable))
	}
	for _, change := range []func(*Settings){
		func(s *Settings) { s.AllChannels, s.Channels = false, []string{" "} },
		func(s *Settings) { s.RateLimits = map[string]string{"pigeon": "1/min"} },
		func(s *Settings) { s.RateLimits = map[string]string{"dingtalk": "x"} },
		func(s *Settings) { s.RateLimits = map[string]string{"dingtalk": "0/min"} },
		func(s *Settings) { s.RateLimits = map[string]string{"dingtalk": "1/day"} },
	} {
		s := DefaultSettings()
		change(&s)
		note("Validate", s.Validate())
	}
	var o TaskOverrides
	note("override channels=all", o.Set("channels", "all", resolveByTable))

	for _, key := range i18n.Keys(i18n.English) {
		if strings.HasPrefix(key, "push.") && !strings.HasPrefix(key, "push.field.") && !seen[key] {
			t.Errorf("%s is never provoked", key)
		}
	}
}
