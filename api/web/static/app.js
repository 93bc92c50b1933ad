// Long operations: a form marked data-job-form starts a job; the page then shows its progress
// (polling /web/jobs/<id>) and goes to the job's target when it is done. Without JavaScript the
// form still works: the job runs and the page can be reloaded by hand.
(function () {
  const params = new URLSearchParams(window.location.search);
  const jobId = params.get("job");
  const box = document.getElementById("job");
  if (!jobId || !box) { return; }
  const label = document.getElementById("job-label");
  const bar = document.getElementById("job-progress");
  box.hidden = false;
  async function poll() {
    const answer = await fetch("/web/jobs/" + jobId, { credentials: "same-origin" });
    if (!answer.ok) { label.textContent = "Auftrag unbekannt."; return; }
    const job = await answer.json();
    label.textContent = job.label + " …";
    bar.value = job.progress;
    if (job.status === "running" || job.status === "queued") { window.setTimeout(poll, 700); return; }
    const kind = job.status === "done" ? "ok" : "error";
    const target = new URL(job.target, window.location.origin);
    target.searchParams.set("msg", job.message);
    target.searchParams.set("kind", kind);
    window.location.assign(target.toString());
  }
  poll();
})();
