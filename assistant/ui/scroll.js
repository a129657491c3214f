() => {
  // Keep the start of the newest question (and so of its answer) in view: when a question is
  // added, scroll the chat so that it sits at the top, just under the floating "Samtal" label,
  // and hold it there while the answer grows, until the reader scrolls by hand.
  const place = (chat, log, message) => {
    const label = chat.querySelector('[data-testid="block-label"]');
    const top = log.getBoundingClientRect().top;
    const cover = label ? Math.max(0, label.getBoundingClientRect().bottom - top) : 0;
    log.scrollTop += message.getBoundingClientRect().top - top - cover - 8;
  };
  const watch = (chat) => {
    let seen = 0;
    let pinned = null;
    const release = () => { pinned = null; };
    const observer = new MutationObserver(() => {
      const log = chat.querySelector('[role="log"]');
      const questions = chat.querySelectorAll('[data-testid="user"]');
      if (!log) return;
      if (!log.dataset.remissWatched) {
        log.dataset.remissWatched = "1";
        for (const type of ["wheel", "touchstart", "keydown", "mousedown"]) {
          log.addEventListener(type, release, { passive: true });
        }
      }
      if (questions.length > seen) pinned = questions[questions.length - 1];
      seen = questions.length;
      if (pinned && pinned.isConnected) place(chat, log, pinned);
    });
    observer.observe(chat, { childList: true, subtree: true, characterData: true });
  };
  const start = () => {
    const chat = document.querySelector("#chat");
    if (chat) watch(chat);
    else setTimeout(start, 100);
  };
  start();
}
