"""Gunicorn settings for Zhiku: ``gunicorn -c deploy/gunicorn.conf.py`` (zhiku-web.service).

Read from the environment (the same env file as the site's settings) where machines differ.
"""

import multiprocessing
import os

wsgi_app = "zhiku.wsgi:application"
# nginx proxies to this address. One machine: the loopback. A second application server
# listens on its private address instead (docs/deploy.md, "A second application server").
bind = os.environ.get("ZHIKU_BIND", "127.0.0.1:8000")
# The addresses whose X-Forwarded-* headers gunicorn believes: nginx's.
forwarded_allow_ips = os.environ.get("ZHIKU_PROXY_IPS", "127.0.0.1")
workers = int(os.environ.get("ZHIKU_WEB_WORKERS", min(2 * multiprocessing.cpu_count() + 1, 9)))
# Each worker loads the site itself, so `systemctl reload zhiku-web` (SIGHUP) brings new code
# in without dropping a request: new workers start, then the old ones finish and stop.
preload_app = False
# A PDF or an Excel export is made within a request; longer work goes to the task worker.
timeout = 120
graceful_timeout = 30
keepalive = 5
# Recycle workers now and then (a slow leak in a library never grows without bound).
max_requests = 2000
max_requests_jitter = 200
# Workers' heartbeat files in memory, not on a disk that may stall (gunicorn's own advice);
# they hold nothing but a timestamp.
SHM = "/dev/shm"  # noqa: S108
worker_tmp_dir = SHM if os.path.isdir(SHM) else None
proc_name = "zhiku"
# Logs to standard output, i.e. the journal. The access log leaves out query strings: a search
# for a person's name or number must not end up in a log file.
accesslog = "-"
errorlog = "-"
access_log_format = '%({x-forwarded-for}i)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(B)s %(M)sms'
