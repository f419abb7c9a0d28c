// Package console gives Herald's Windows GUI executable the console it was
// started from. A GUI-subsystem program gets none: a command typed in cmd
// or PowerShell would print nothing and ignore Ctrl+C. Attach joins the
// parent's console for a command (and for any start by the console twin,
// herald.com), so the standard streams and Ctrl+C work; double-clicking
// the app or starting it at login has no parent console and opens none.
// On other systems a program always has its terminal, and Attach does
// nothing.
package console

// TwinEnv is set by the console twin (cmd/herald-console) for the
// herald.exe it starts: that start is always from a console, the twin's,
// which waits for it, so even the window may share it (Ctrl+C closes it,
// as in a Unix terminal).
const TwinEnv = "HERALD_CONSOLE_TWIN"
