// Package registry manages the user's registered channels: it validates
// settings against the kind's schema, files secret fields in the OS keyring
// and everything else in the store, and reassembles both to open a channel.
package registry

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/heraldpush/herald/engine/channel"
	"github.com/heraldpush/herald/engine/channel/kinds"
	"github.com/heraldpush/herald/engine/i18n"
	"github.com/heraldpush/herald/engine/message"
	"github.com/heraldpush/herald/engine/redact"
	"github.com/heraldpush/herald/engine/store"
)

// Secrets is where secret field values live: the OS keyring in production.
type Secrets interface {
	Set(channelID, field, value string) error
	Get(channelID, field string) (string, error)
	Delete(channelID, field string) error
}

// ErrBadInput marks errors caused by what the user typed (exit code 2 in the CLI).
var ErrBadInput = errors.New("bad input")

// Registry is the set of registered channels.
type Registry struct {
	Store    *store.Store
	Secrets  Secrets
	Redactor *redact.Redactor
	Deps     channel.Deps
	Now      func() time.Time
	Log      *slog.Logger // nil: no logging
	// OnChange, when set, is called after a channel was added, edited,
	// renamed or removed (the host's configuration watch); it must not block.
	OnChange func()

	// open keeps built channels between sends: kinds such as WeCom app
	// cache access tokens and uploaded media inside the channel, and the
	// service asks clients not to fetch a token per message.
	mu   sync.Mutex
	open map[string]openChannel
}

type openChannel struct {
	updated time.Time
	ch      channel.Channel
}

// Channel is a registered channel with its kind resolved.
type Channel struct {
	store.Channel
	Kind *channel.Kind
}

func (r *Registry) now() time.Time {
	if r.Now != nil {
		return r.Now()
	}
	return time.Now()
}

// Kind finds a kind by id or reports the known ones.
func Kind(id string) (*channel.Kind, error) {
	k, ok := kinds.Get(id)
	if !ok {
		return nil, fmt.Errorf("%w: %w", ErrBadInput, i18n.New("registry.kind", "Value", strconv.Quote(id), "Known", strings.Join(kinds.IDs(), ", ")))
	}
	return k, nil
}

func checkName(name string) error {
	name = strings.TrimSpace(name)
	switch {
	case name == "":
		return badName(i18n.New("field.required"))
	case utf8.RuneCountInString(name) > 64:
		return badName(i18n.New("task.name.long", "Max", 64))
	case strings.ContainsAny(name, "\n\r\t"):
		return badName(i18n.New("task.name.lines"))
	}
	return nil
}

// badName is a problem with a channel's name, as bad input.
func badName(err error) error {
	return fmt.Errorf("%w: %w", ErrBadInput, channel.NewFieldError("name", err))
}

// Add validates raw settings for kind, stores the secrets in the keyring and
// the rest in the store, and returns the new channel. Nothing is saved when
// any field is invalid or the keyring is unreachable.
func (r *Registry) Add(ctx context.Context, kindID, name string, raw map[string]string) (Channel, error) {
	k, err := Kind(kindID)
	if err != nil {
		return Channel{}, err
	}
	if err := checkName(name); err != nil {
		return Channel{}, err
	}
	name = strings.TrimSpace(name)
	if _, err := r.Store.ChannelByName(ctx, name); err == nil {
		return Channel{}, badName(i18n.New("registry.name.taken", "Name", strconv.Quote(name)))
	}
	cfg, err := k.Parse(raw)
	if err != nil {
		return Channel{}, fmt.Errorf("%w: %w", ErrBadInput, err)
	}
	c := store.Channel{ID: newID(), Name: name, Kind: k.ID}
	if err := r.save(k, &c, cfg); err != nil {
		return Channel{}, err
	}
	if err := r.Store.CreateChannel(ctx, c); err != nil {
		r.deleteSecrets(c.ID, c.Secrets)
		if errors.Is(err, store.ErrNameTaken) {
			return Channel{}, badName(i18n.Wrap(err, "registry.name.taken_store"))
		}
		return Channel{}, err
	}
	r.changed()
	return Channel{Channel: c, Kind: k}, nil
}

func (r *Registry) changed() {
	if r.OnChange != nil {
		r.OnChange()
	}
}

// Import adds a channel from a QD registration string ("a;b;c"); extra
// supplies fields QD's string does not carry (Herald's own, such as a
// recipient list).
func (r *Registry) Import(ctx context.Context, kindID, name, qd string, extra map[string]string) (Channel, error) {
	k, err := Kind(kindID)
	if err != nil {
		return Channel{}, err
	}
	raw, err := k.ParseQD(qd)
	if err != nil {
		return Channel{}, fmt.Errorf("%w: %w", ErrBadInput, err)
	}
	for key, v := range extra {
		if f, ok := k.Field(key); ok && raw[f.Key] != "" {
			return Channel{}, fmt.Errorf("%w: %w", ErrBadInput, channel.NewFieldError(f.Key, i18n.New("registry.qd_twice", "Key", key)).In(k.ID))
		}
		raw[key] = v
	}
	return r.Add(ctx, k.ID, name, raw)
}

// save splits cfg into store fields and keyring secrets (written now), and
// sets c.Config and c.Secrets. Secrets no longer set are removed from the
// keyring by the caller, only after everything else succeeded.
func (r *Registry) save(k *channel.Kind, c *store.Channel, cfg channel.Config) error {
	c.Config = map[string]string{}
	c.Secrets = nil
	var written []string
	for _, f := range k.Fields {
		v, ok := cfg[f.Key]
		if !ok {
			continue
		}
		if !f.Secret {
			// Defaults are not stored so that a changed default reaches old channels.
			if v != f.Default {
				c.Config[f.Key] = v
			}
			continue
		}
		if err := r.Secrets.Set(c.ID, f.Key, v); err != nil {
			r.deleteSecrets(c.ID, written)
			return fmt.Errorf("save %s: %w", f.Key, err)
		}
		r.Redactor.Add(v)
		written = append(written, f.Key)
		c.Secrets = append(c.Secrets, f.Key)
	}
	return nil
}

func (r *Registry) deleteSecrets(id string, fields []string) {
	for _, f := range fields {
		_ = r.Secrets.Delete(id, f)
	}
}

// Get loads a channel by name or id.
func (r *Registry) Get(ctx context.Context, name string) (Channel, error) {
	c, err := r.Store.ChannelByName(ctx, strings.TrimSpace(name))
	if err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return Channel{}, fmt.Errorf("%w: %w", ErrBadInput, i18n.New("registry.no_channel", "Name", strconv.Quote(name)))
		}
		return Channel{}, err
	}
	k, ok := kinds.Get(c.Kind)
	if !ok {
		return Channel{}, fmt.Errorf("channel %q has kind %q, which this Herald does not know", c.Name, c.Kind)
	}
	r.moveToKeyring(ctx, &c, k)
	return Channel{Channel: c, Kind: k}, nil
}

// moveToKeyring moves values of secret fields that an older Herald kept in
// the store (the webhook url before it became secret) into the keyring and
// out of the stored config. A keyring failure leaves them for the next load;
// the channel keeps working meanwhile.
func (r *Registry) moveToKeyring(ctx context.Context, c *store.Channel, k *channel.Kind) {
	if !slices.ContainsFunc(k.Fields, func(f channel.Field) bool { _, ok := c.Config[f.Key]; return f.Secret && ok }) {
		return
	}
	updated := *c
	updated.Config = maps.Clone(c.Config)
	updated.Secrets = slices.Clone(c.Secrets)
	for _, f := range k.Fields {
		v, ok := c.Config[f.Key]
		if !f.Secret || !ok {
			continue
		}
		r.Redactor.Add(v)
		if err := r.Secrets.Set(c.ID, f.Key, v); err != nil {
			r.warn("move secret setting to the keyring", "channel", c.Name, "field", f.Key, "error", err)
			return
		}
		delete(updated.Config, f.Key)
		if !slices.Contains(updated.Secrets, f.Key) {
			updated.Secrets = append(updated.Secrets, f.Key)
		}
	}
	if err := r.Store.UpdateChannel(ctx, updated); err != nil {
		r.warn("move secret setting to the keyring", "channel", c.Name, "error", err)
		return
	}
	updated.UpdatedAt = r.now()
	*c = updated
}

func (r *Registry) warn(msg string, attrs ...any) {
	if r.Log != nil {
		r.Log.Warn(msg, attrs...)
	}
}

// List returns every channel.
func (r *Registry) List(ctx context.Context) ([]Channel, error) {
	cs, err := r.Store.Channels(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]Channel, 0, len(cs))
	for _, c := range cs {
		k, ok := kinds.Get(c.Kind)
		if ok {
			r.moveToKeyring(ctx, &c, k)
		}
		out = append(out, Channel{Channel: c, Kind: k})
	}
	return out, nil
}

// Settings returns the channel's full settings, secrets read from the keyring.
func (r *Registry) Settings(ctx context.Context, c Channel) (map[string]string, error) {
	raw := maps.Clone(c.Config)
	if raw == nil {
		raw = map[string]string{}
	}
	for _, f := range c.Secrets {
		v, err := r.Secrets.Get(c.ID, f)
		if err != nil {
			return nil, fmt.Errorf("channel %q: %w", c.Name, err)
		}
		r.Redactor.Add(v)
		raw[f] = v
	}
	return raw, nil
}

// Edit changes some settings of a channel; an empty value resets a field to
// its default. The channel is re-validated as a whole and nothing changes
// when it is invalid.
func (r *Registry) Edit(ctx context.Context, name string, changes map[string]string) (Channel, error) {
	c, err := r.Get(ctx, name)
	if err != nil {
		return Channel{}, err
	}
	raw, err := r.Settings(ctx, c)
	if err != nil {
		return Channel{}, err
	}
	for key, v := range changes {
		f, ok := c.Kind.Field(key)
		if !ok {
			// Let Parse produce the "unknown field" error with the known list.
			raw[key] = v
			continue
		}
		if strings.TrimSpace(v) == "" {
			delete(raw, f.Key)
		} else {
			raw[f.Key] = v
		}
	}
	cfg, err := c.Kind.Parse(raw)
	if err != nil {
		return Channel{}, fmt.Errorf("%w: %w", ErrBadInput, err)
	}
	old := c.Secrets
	updated := c.Channel
	if err := r.save(c.Kind, &updated, cfg); err != nil {
		return Channel{}, err
	}
	if err := r.Store.UpdateChannel(ctx, updated); err != nil {
		return Channel{}, err
	}
	r.forget(c.ID)
	for _, f := range old {
		if !slices.Contains(updated.Secrets, f) {
			_ = r.Secrets.Delete(c.ID, f)
		}
	}
	r.changed()
	return Channel{Channel: updated, Kind: c.Kind}, nil
}

// Rename gives a channel a new name.
func (r *Registry) Rename(ctx context.Context, name, newName string) error {
	if err := checkName(newName); err != nil {
		return err
	}
	c, err := r.Get(ctx, name)
	if err != nil {
		return err
	}
	c.Name = strings.TrimSpace(newName)
	if err := r.Store.UpdateChannel(ctx, c.Channel); err != nil {
		if errors.Is(err, store.ErrNameTaken) {
			return badName(i18n.Wrap(err, "registry.name.taken_store"))
		}
		return err
	}
	r.changed()
	return nil
}

// Remove deletes a channel and its secrets.
func (r *Registry) Remove(ctx context.Context, name string) error {
	c, err := r.Get(ctx, name)
	if err != nil {
		return err
	}
	if err := r.Store.DeleteChannel(ctx, c.ID); err != nil {
		return err
	}
	r.forget(c.ID)
	r.deleteSecrets(c.ID, c.Secrets)
	r.changed()
	return nil
}

// Open returns the sender for a registered channel, reusing the one built
// before unless the channel was edited since.
func (r *Registry) Open(ctx context.Context, c Channel) (channel.Channel, error) {
	r.mu.Lock()
	if oc, ok := r.open[c.ID]; ok && oc.updated.Equal(c.UpdatedAt) {
		r.mu.Unlock()
		return oc.ch, nil
	}
	r.mu.Unlock()
	raw, err := r.Settings(ctx, c)
	if err != nil {
		return nil, err
	}
	deps := r.Deps
	if deps.Redactor == nil {
		deps.Redactor = r.Redactor
	}
	ch, err := c.Kind.New(raw, deps)
	if err != nil {
		return nil, fmt.Errorf("channel %q: %w", c.Name, err)
	}
	r.mu.Lock()
	if r.open == nil {
		r.open = map[string]openChannel{}
	}
	r.open[c.ID] = openChannel{updated: c.UpdatedAt, ch: ch}
	r.mu.Unlock()
	return ch, nil
}

// forget drops a built channel after an edit or removal.
func (r *Registry) forget(id string) {
	r.mu.Lock()
	delete(r.open, id)
	r.mu.Unlock()
}

// Send opens c and sends m, returning the redacted error text (or "").
func (r *Registry) Send(ctx context.Context, c Channel, m message.Message) error {
	start := r.now()
	ch, err := r.Open(ctx, c)
	if err == nil {
		err = ch.Send(channel.WithMessage(ctx, m), m)
	}
	if r.Log != nil {
		attrs := []any{"channel", c.Name, "kind", c.Channel.Kind, "duration", r.now().Sub(start).Round(time.Millisecond)}
		if err != nil {
			// A send cut off by the dispatcher's timeout is retried: say so.
			transient := channel.IsTransient(err) || channel.TimedOut(ctx)
			// The redacting handler masks secrets again; this is belt and braces.
			r.Log.Warn("push failed", append(attrs, "transient", transient, "error", r.Redactor.Error(err))...)
		} else if r.Log.Enabled(ctx, slog.LevelDebug) {
			// Every success at info level cost a formatted line and a write
			// per push; failures stay at warn, and the outbox keeps every
			// attempt anyway.
			r.Log.Debug("push sent", attrs...)
		}
	}
	if err != nil {
		return &SendError{Channel: c.Name, Msg: r.Redactor.Error(err), Err: err}
	}
	return nil
}

// SendError is a failed send with its text already redacted.
type SendError struct {
	Channel string
	Msg     string
	Err     error
}

func (e *SendError) Error() string { return e.Msg }
func (e *SendError) Unwrap() error { return e.Err }

// TestMessage is what a test push says.
func TestMessage(name string, at time.Time) message.Message {
	return message.Message{
		Title: "Herald test push",
		Body:  fmt.Sprintf("This test push from Herald reached channel %q at %s. 测试推送成功。", name, at.Format("2006-01-02 15:04:05")),
		Level: message.LevelInfo,
	}
}

// Field is one setting as shown to a person: secrets masked.
type Field struct {
	channel.Field
	Value   string // masked for secrets
	Set     bool   // a value is stored (not just the default)
	Default bool   // Value is the kind's default
}

// Mask hides a secret, keeping the last four characters when the secret is
// long enough that they give nothing away.
func Mask(v string) string {
	r := []rune(v)
	if len(r) < 12 {
		return "••••"
	}
	return "••••" + string(r[len(r)-4:])
}

// Show lists a channel's fields with secrets masked; it never reads the keyring.
func (r *Registry) Show(c Channel) []Field {
	out := make([]Field, 0, len(c.Kind.Fields))
	for _, f := range c.Kind.Fields {
		fv := Field{Field: f}
		switch {
		case f.Secret && (slices.Contains(c.Secrets, f.Key) || c.Config[f.Key] != ""):
			fv.Value, fv.Set = "••••", true
		case c.Config[f.Key] != "":
			fv.Value, fv.Set = c.Config[f.Key], true
		case f.Default != "":
			fv.Value, fv.Default = f.Default, true
		}
		out = append(out, fv)
	}
	return out
}

// Reveal reads one secret of a channel from the keyring, masked (as the
// field shows itself, else by Mask) unless full.
func (r *Registry) Reveal(ctx context.Context, c Channel, field string, full bool) (string, error) {
	v, ok := c.Config[field] // not yet moved to the keyring
	if !ok {
		var err error
		if v, err = r.Secrets.Get(c.ID, field); err != nil {
			return "", err
		}
	}
	r.Redactor.Add(v)
	if full {
		return v, nil
	}
	if f, ok := c.Kind.Field(field); ok && f.Mask != nil {
		return f.Mask(v), nil
	}
	return Mask(v), nil
}

func newID() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
