"""Python client of the matrix: urllib GET of URL on the main thread, or on a worker thread with
--thread (getaddrinfo then runs on a thread that is not the thread group leader)."""
import sys
import threading
import urllib.request

result = [1]


def get(url):
    try:
        with urllib.request.urlopen(url, timeout=20) as r:
            r.read()
            result[0] = 0 if r.status == 200 else 1
    except Exception as e:
        print("fetch.py:", e, file=sys.stderr)


if sys.argv[1] == "--thread":
    t = threading.Thread(target=get, args=(sys.argv[2],))
    t.start()
    t.join()
else:
    get(sys.argv[1])
sys.exit(result[0])
