package toast

// App is what Windows shows a toast's sender as.
type App struct {
	// ID is the AppUserModelID: the process's, and the key toasts are
	// filed under in the Action Center.
	ID string
	// Name is shown above each toast.
	Name string
	// Icon is a PNG shown beside the name; nil for none.
	Icon []byte
}
