package secret

import (
	"fmt"
	"sync"
)

// Store is what a keyring offers; Keyring is the OS one, Memory one for
// tests that need no Secret Service.
type Store interface {
	Set(channelID, field, value string) error
	Get(channelID, field string) (string, error)
	Delete(channelID, field string) error
	// Check reports whether the store can be reached.
	Check() error
}

var (
	_ Store = Keyring{}
	_ Store = (*Memory)(nil)
)

// Memory is an in-process keyring (tests); the zero value is ready.
type Memory struct {
	mu sync.Mutex
	m  map[string]string
}

// Set stores value under Name(channelID, field); it refuses a value over
// MaxSize as Keyring does.
func (k *Memory) Set(channelID, field, value string) error {
	if err := CheckSize(value); err != nil {
		return fmt.Errorf("%s: %w", Name(channelID, field), err)
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.m == nil {
		k.m = map[string]string{}
	}
	k.m[Name(channelID, field)] = value
	return nil
}

// Get returns the value, or ErrNotFound.
func (k *Memory) Get(channelID, field string) (string, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	v, ok := k.m[Name(channelID, field)]
	if !ok {
		return "", ErrNotFound
	}
	return v, nil
}

// Delete removes the value; a missing one is not an error, as with Keyring.
func (k *Memory) Delete(channelID, field string) error {
	k.mu.Lock()
	defer k.mu.Unlock()
	delete(k.m, Name(channelID, field))
	return nil
}

// Check always succeeds.
func (k *Memory) Check() error { return nil }
