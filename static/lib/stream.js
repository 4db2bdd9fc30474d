// Live updates: one EventSource per channel, closed when the page goes.
// EventSource reconnects by itself and sends Last-Event-ID, so nchan
// replays what was missed while the connection was down.

// subscribe('alerts', (msg) => ..., signal, onState?) where msg is the
// JSON Hearth published ({type, data, ...}); onState('live'|'connecting').
export function subscribe(channel, onMessage, signal, onState) {
  const es = new EventSource(`/api/v1/stream/${channel}`, { withCredentials: true });
  es.onopen = () => onState && onState('live');
  es.onerror = () => onState && onState(es.readyState === EventSource.CLOSED ? 'closed' : 'connecting');
  es.onmessage = (ev) => {
    let msg;
    try {
      msg = JSON.parse(ev.data);
    } catch {
      return;
    }
    onMessage(msg);
  };
  if (signal) signal.addEventListener('abort', () => es.close(), { once: true });
  return es;
}
