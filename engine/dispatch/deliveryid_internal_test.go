package dispatch

import (
	"testing"
	"time"

	"github.com/heraldpush/herald/engine/store"
)

// A row's delivery id is the same on every attempt and differs between
// rows, even a row of a new database that reuses an old row's id.
func TestDeliveryID(t *testing.T) {
	at := time.UnixMilli(1_700_000_000_123)
	row := store.OutboxItem{ID: 7, CreatedAt: at, Title: "t", Attempts: 0}
	retry := row
	retry.Attempts, retry.NextAt, retry.LastError = 3, at.Add(time.Hour), "HTTP 502"
	if a, b := messageOf(row).DeliveryID, messageOf(retry).DeliveryID; a != b || a != "herald-7-1700000000123" {
		t.Errorf("delivery ids %q, %q: want herald-7-1700000000123 on every attempt", a, b)
	}
	for _, other := range []store.OutboxItem{{ID: 8, CreatedAt: at}, {ID: 7, CreatedAt: at.Add(time.Millisecond)}} {
		if messageOf(other).DeliveryID == messageOf(row).DeliveryID {
			t.Errorf("row %d created %v shares the delivery id of row 7", other.ID, other.CreatedAt)
		}
	}
}
