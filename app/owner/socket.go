package owner

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"time"

	"github.com/heraldpush/herald/engine/store"
)

// Protocol limits: one JSON request line, one JSON answer line per connection.
const (
	maxRequest     = 4 << 10
	requestTimeout = 5 * time.Second // to send or read a request, and to write an answer
	dialTimeout    = 2 * time.Second
	// MaxDeliver bounds a delivery the owner makes for a client: a send
	// (30 s at most) plus a wait for its channel's turn and rate limit.
	MaxDeliver = 10 * time.Minute
)

// Requests.
const (
	opPing    = "ping"
	opShow    = "show"
	opDeliver = "deliver"
	opQuit    = "quit"
)

type request struct {
	Op string `json:"op"`
	ID int64  `json:"id,omitempty"`
	// Seen is the row's attempts when the client asked: an attempt made
	// since (by the owner's own claim loop) is the answer, not a reason to
	// send again.
	Seen int `json:"seen,omitempty"`
	// Name is the task to run.
	Name string `json:"name,omitempty"`
}

type answer struct {
	Error     string          `json:"error,omitempty"`
	Holder    *Holder         `json:"holder,omitempty"`
	Delivery  *store.Delivery `json:"delivery,omitempty"`
	Tasks     *TaskStatus     `json:"tasks,omitempty"`
	Cancelled *bool           `json:"cancelled,omitempty"`
	API       *string         `json:"api,omitempty"` // where the local API listens
}

// DeliverFunc delivers outbox row id now (see Handlers.Deliver).
type DeliverFunc func(ctx context.Context, id int64, seen int) (store.Delivery, error)

// Server answers the data folder's other herald processes for its owner.
type Server struct {
	ln      net.Listener
	path    string // the endpoint
	holder  Holder
	deliver DeliverFunc
	// ctx ends at Close: deliveries for clients are cancelled then.
	ctx    context.Context
	cancel context.CancelFunc
	mu     sync.Mutex
	onShow func()
	// showAsked: a "show" came before the window set OnShow.
	showAsked bool
	onQuit    func()
	tasks     EngineControl // nil: no requests of window processes
	conns     sync.WaitGroup
	done      chan struct{}
}

// Listen starts answering on the data folder's endpoint (a Unix socket, a
// named pipe on Windows). Holding the lock is what makes a socket file found
// there stale, so it takes the Lock. deliver serves CLI verbs; the owner
// must have started its dispatcher.
func Listen(l *Lock, deliver DeliverFunc) (*Server, error) {
	p := endpoint(l.dir)
	ln, err := listen(p)
	if err != nil {
		return nil, err
	}
	s := &Server{ln: ln, path: p, holder: l.holder, deliver: deliver, done: make(chan struct{})}
	s.ctx, s.cancel = context.WithCancel(context.Background())
	go s.serve()
	return s, nil
}

// OnShow sets what a second window start triggers (show and raise the
// window), and does it now if one came while the window was starting.
func (s *Server) OnShow(fn func()) {
	s.mu.Lock()
	s.onShow = fn
	asked := s.showAsked && fn != nil
	s.showAsked = false
	s.mu.Unlock()
	if asked {
		fn()
	}
}

// OnQuit sets what a "quit" request triggers: the tray ends the app
// when its window closes and the window does not close to the tray.
func (s *Server) OnQuit(fn func()) {
	s.mu.Lock()
	s.onQuit = fn
	s.mu.Unlock()
}

// quit runs OnQuit; a daemon, or a window that set none, refuses.
func (s *Server) quit() error {
	s.mu.Lock()
	fn := s.onQuit
	s.mu.Unlock()
	if fn == nil {
		return fmt.Errorf("%s does not quit on request", s.holder)
	}
	go fn()
	return nil
}

// show runs the window's OnShow, or keeps the request for it while the
// window is starting. A daemon has no window.
func (s *Server) show() error {
	if s.holder.Role != RoleWindow {
		return fmt.Errorf("%s has no window to show", s.holder)
	}
	s.mu.Lock()
	fn := s.onShow
	s.showAsked = fn == nil
	s.mu.Unlock()
	if fn != nil {
		fn()
	}
	return nil
}

func (s *Server) serve() {
	defer close(s.done)
	for {
		conn, err := s.ln.Accept()
		if err != nil {
			return
		}
		s.conns.Add(1)
		go func() {
			defer s.conns.Done()
			defer conn.Close()
			s.handle(conn)
		}()
	}
}

func (s *Server) handle(conn net.Conn) {
	conn.SetReadDeadline(time.Now().Add(requestTimeout))
	br := bufio.NewReaderSize(conn, maxRequest)
	line, err := br.ReadSlice('\n')
	if err != nil {
		if errors.Is(err, bufio.ErrBufferFull) {
			s.reply(conn, answer{Error: fmt.Sprintf("request longer than %d bytes", maxRequest)})
		}
		return
	}
	var req request
	if err := json.Unmarshal(line, &req); err != nil {
		s.reply(conn, answer{Error: "bad request: " + err.Error()})
		return
	}
	s.reply(conn, s.answer(s.hangUp(conn, br), req))
}

// hangUp returns a context that ends when the client closes its side (it
// sends nothing after its request) or the server closes.
func (s *Server) hangUp(conn net.Conn, br *bufio.Reader) context.Context {
	ctx, cancel := context.WithCancel(s.ctx)
	conn.SetReadDeadline(time.Time{})
	go func() {
		io.Copy(io.Discard, br)
		cancel()
	}()
	return ctx
}

func (s *Server) answer(ctx context.Context, req request) answer {
	switch req.Op {
	case opPing:
		h := s.holder
		return answer{Holder: &h}
	case opShow:
		if err := s.show(); err != nil {
			return answer{Error: err.Error()}
		}
		return answer{}
	case opQuit:
		if err := s.quit(); err != nil {
			return answer{Error: err.Error()}
		}
		return answer{}
	case opRun, opCancel, opTasks, opAPI:
		return s.engineAnswer(ctx, req)
	case opDeliver:
		if req.ID <= 0 {
			return answer{Error: "deliver: no outbox row id"}
		}
		ctx, cancel := context.WithTimeout(ctx, MaxDeliver)
		defer cancel()
		d, err := s.deliver(ctx, req.ID, req.Seen)
		if err != nil {
			return answer{Error: err.Error()}
		}
		return answer{Delivery: &d}
	}
	return answer{Error: fmt.Sprintf("unknown request %q (ping, show, deliver, quit, run, cancel, tasks, api)", req.Op)}
}

func (s *Server) reply(conn net.Conn, a answer) {
	conn.SetWriteDeadline(time.Now().Add(requestTimeout))
	data, _ := json.Marshal(a)
	conn.Write(append(data, '\n'))
}

// Close stops answering, cancels deliveries made for clients (their rows
// go back to pending) and removes the socket.
func (s *Server) Close() error {
	err := s.ln.Close()
	s.cancel()
	<-s.done
	s.conns.Wait()
	removeEndpoint(s.path)
	return err
}

// ErrNoOwner means no owner answers on the data folder's endpoint.
var ErrNoOwner = errors.New("no herald window or daemon answers for this data folder")

// Ping asks the owner of dataDir who it is; ErrNoOwner when none answers.
func Ping(ctx context.Context, dataDir string) (Holder, error) {
	a, err := call(ctx, dataDir, request{Op: opPing}, requestTimeout)
	if err != nil {
		return Holder{}, err
	}
	if a.Holder == nil {
		return Holder{}, errors.New("the owner's answer to ping names nobody")
	}
	return *a.Holder, nil
}

// Show asks the owning window of dataDir to show itself.
func Show(ctx context.Context, dataDir string) error {
	_, err := call(ctx, dataDir, request{Op: opShow}, requestTimeout)
	return err
}

// Quit asks the owning tray of dataDir to quit (its window closed and
// does not close to the tray).
func Quit(ctx context.Context, dataDir string) error {
	_, err := call(ctx, dataDir, request{Op: opQuit}, requestTimeout)
	return err
}

// Deliver asks the owner of dataDir to deliver outbox row id now (seen: the
// row's attempts when the caller looked) and returns the attempt.
func Deliver(ctx context.Context, dataDir string, id int64, seen int) (store.Delivery, error) {
	a, err := call(ctx, dataDir, request{Op: opDeliver, ID: id, Seen: seen}, MaxDeliver+requestTimeout)
	if err != nil {
		return store.Delivery{}, err
	}
	if a.Delivery == nil {
		return store.Delivery{}, errors.New("the owner's answer to deliver has no delivery")
	}
	return *a.Delivery, nil
}

// RemoteError is an error the owner answered with.
type RemoteError struct{ Msg string }

func (e *RemoteError) Error() string { return e.Msg }

// call sends req on a new connection and reads the answer within wait; a
// cancelled ctx hangs up, which cancels the owner's work for it.
func call(ctx context.Context, dataDir string, req request, wait time.Duration) (answer, error) {
	conn, err := dial(ctx, endpoint(dataDir))
	if err != nil {
		return answer{}, fmt.Errorf("%w (%v)", ErrNoOwner, err)
	}
	defer conn.Close()
	// The deadlines are set before the hang-up is armed: setting one later
	// would undo a cancellation that came in between.
	conn.SetWriteDeadline(time.Now().Add(requestTimeout))
	conn.SetReadDeadline(time.Now().Add(wait))
	stop := context.AfterFunc(ctx, func() { conn.SetDeadline(time.Now()) })
	defer stop()
	data, _ := json.Marshal(req)
	if _, err := conn.Write(append(data, '\n')); err != nil {
		if ctx.Err() != nil {
			err = ctx.Err()
		}
		return answer{}, fmt.Errorf("send %s request to the owner: %w", req.Op, err)
	}
	line, err := bufio.NewReader(io.LimitReader(conn, 1<<20)).ReadBytes('\n')
	if err != nil {
		if ctx.Err() != nil {
			err = ctx.Err()
		}
		return answer{}, fmt.Errorf("read the owner's answer to %s: %w", req.Op, err)
	}
	var a answer
	if err := json.Unmarshal(line, &a); err != nil {
		return answer{}, fmt.Errorf("the owner's answer to %s: %w", req.Op, err)
	}
	if a.Error != "" {
		return a, &RemoteError{Msg: a.Error}
	}
	return a, nil
}
