package cli

import (
	"context"
	"net/url"

	"github.com/spf13/pflag"

	"github.com/heraldpush/herald/engine/dispatch"
)

// watchFlags are task add/edit's per-task watch overrides (dead-man's
// switch, duration anomaly); they are push overrides, stored as
// `herald task push NAME deadman=… anomaly=…` stores them.
type watchFlags struct {
	deadman, anomaly string
}

func (w *watchFlags) register(fs *pflag.FlagSet) {
	fs.StringVar(&w.deadman, "deadman", "", "push \"missing\" when the task has not succeeded for `PERIOD`, e.g. 26h or 2d (off: none)")
	fs.StringVar(&w.anomaly, "anomaly", "", "warn when a run is much shorter or longer than usual: `on`, off or default (the global setting)")
}

// values are the overrides the flags give, by key.
func (w *watchFlags) values(fs *pflag.FlagSet) map[string]string {
	kv := map[string]string{}
	if fl := fs.Lookup("deadman"); fl != nil && fl.Changed {
		kv["deadman"] = w.deadman
	}
	if fl := fs.Lookup("anomaly"); fl != nil && fl.Changed {
		kv["anomaly"] = w.anomaly
	}
	return kv
}

// check reports a bad value before the task is saved.
func (w *watchFlags) check(fs *pflag.FlagSet) error {
	var o dispatch.TaskOverrides
	for _, k := range sortedKeys(w.values(fs)) {
		if err := o.Set(k, w.values(fs)[k], nil); err != nil {
			return badArgs("--%v", err)
		}
	}
	return nil
}

// save stores the flags' overrides of task id.
func (c *cmd) saveWatchFlags(ctx context.Context, id int64, w *watchFlags, fs *pflag.FlagSet) error {
	kv := w.values(fs)
	if len(kv) == 0 {
		return nil
	}
	o, err := dispatch.LoadOverrides(ctx, c.env.Store, id)
	if err != nil {
		return err
	}
	for _, k := range sortedKeys(kv) {
		if err := o.Set(k, kv[k], nil); err != nil {
			return badArgs("--%v", err)
		}
	}
	return dispatch.SaveOverrides(ctx, c.env.Store, id, o)
}

// settingsSetSecret handles the settings kept in the keyring, not in the
// settings document: heartbeat.url. handled is false for other keys.
func (c *cmd) settingsSetSecret(ctx context.Context, key, value string) (handled bool, err error) {
	if key != "heartbeat.url" {
		return false, nil
	}
	if err := c.env.SetHeartbeatURL(ctx, value); err != nil {
		return true, badArgs("%v", err)
	}
	return true, nil
}

// heartbeatShown is the heartbeat URL for `settings show`: its scheme and
// host only, as the rest may hold a token.
func (c *cmd) heartbeatShown(ctx context.Context) string {
	u, err := c.env.HeartbeatURL(ctx)
	switch {
	case err != nil:
		return "(keyring unavailable)"
	case u == "":
		return "(none)"
	}
	return maskURL(u)
}

// maskURL keeps a URL's scheme and host and hides the rest.
func maskURL(v string) string {
	u, err := url.Parse(v)
	if err != nil || u.Host == "" {
		return "(set)"
	}
	if u.Path == "" && u.RawQuery == "" {
		return u.Scheme + "://" + u.Host
	}
	return u.Scheme + "://" + u.Host + "/…"
}
