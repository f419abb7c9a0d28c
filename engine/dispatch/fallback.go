package dispatch

import (
	"context"
	"strconv"

	"github.com/heraldpush/herald/engine/i18n"
	"github.com/heraldpush/herald/engine/store"
)

// FallbackRowKey marks outbox row id as a fallback re-send (its value is
// the id of the row that failed): a fallback that fails in turn is not
// re-sent again, so fallbacks never loop.
func FallbackRowKey(id int64) string { return "push.fallback_row." + strconv.FormatInt(id, 10) }

// fallback re-sends row it, which failed for good with answer del.Answer
// (already redacted), through its channel's fallbacks: one new outbox row
// each, its body opened by a line that says why. A row that is itself a
// fallback is not re-sent (its mark is dropped instead), nor is a test
// push. Errors are logged: the failure itself is already recorded.
func (d *Dispatcher) fallback(it store.OutboxItem, del store.Delivery) {
	if it.Source == store.SourceTest {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), storeTimeout)
	defer cancel()
	var of int64
	if marked, err := d.p.Store.Setting(ctx, FallbackRowKey(it.ID), &of); err != nil || marked {
		if marked {
			_ = d.p.Store.DeleteSetting(ctx, FallbackRowKey(it.ID))
		}
		return
	}
	s, err := LoadSettings(ctx, d.p.Store)
	if err != nil || len(s.Fallbacks[it.ChannelID]) == 0 {
		return
	}
	list, err := d.p.Registry.List(ctx)
	if err != nil {
		d.log.Error("fallback: list channels", "error", err)
		return
	}
	names := map[string]string{}
	for _, c := range list {
		names[c.ID] = c.Name
	}
	failed := names[it.ChannelID]
	if failed == "" {
		failed = it.ChannelID
	}
	lang := i18nLang(messageLanguage(s.Language))
	var rows []*store.OutboxItem
	for _, id := range s.Fallbacks[it.ChannelID] {
		via, ok := names[id]
		if !ok || id == it.ChannelID {
			continue
		}
		line := i18n.T("remind.fallback.line", "Via", via, "Channel", failed, "Answer", del.Answer).In(lang)
		body := line
		if it.Body != "" {
			body += "\n\n" + it.Body
		}
		rows = append(rows, &store.OutboxItem{RunID: it.RunID, Source: it.Source, ChannelID: id, Title: it.Title, Body: body,
			Markdown: it.Markdown, Level: it.Level, PictureURL: it.PictureURL, CreatedAt: d.p.Clock.Now()})
	}
	if len(rows) == 0 {
		return
	}
	err = d.p.Store.WriteTx(ctx, func(tx *store.RunTx) error {
		if err := tx.Enqueue(rows...); err != nil {
			return err
		}
		for _, r := range rows {
			if err := tx.SetSetting(FallbackRowKey(r.ID), it.ID); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		d.log.Error("fallback: queue", "outbox", it.ID, "error", err)
		return
	}
	d.log.Info("push re-sent through fallbacks", "outbox", it.ID, "channel", it.ChannelID, "rows", len(rows))
	d.Queued(rows...)
}
