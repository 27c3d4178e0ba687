/* dial.c from a thread that is not the group leader (as curl's, node's and the JVM's resolvers
   do): connect a tcp or udp socket, then send "hello". usage: threaddial tcp|udp ADDRESS PORT;
   exits with the errno of the first call that failed */
#include <arpa/inet.h>
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
static char **args;
static int result;
static void *dial(void *arg) {
  (void)arg;
  struct sockaddr_in a;
  memset(&a, 0, sizeof a);
  a.sin_family = AF_INET;
  a.sin_port = htons(atoi(args[3]));
  inet_pton(AF_INET, args[2], &a.sin_addr);
  int s = socket(AF_INET, strcmp(args[1], "tcp") == 0 ? SOCK_STREAM : SOCK_DGRAM, 0);
  if (connect(s, (struct sockaddr *)&a, sizeof a) != 0) {
    result = errno;
    return 0;
  }
  result = send(s, "hello", 5, MSG_NOSIGNAL) == 5 ? 0 : errno;
  return 0;
}
int main(int argc, char **argv) {
  if (argc < 4) return 2;
  args = argv;
  pthread_t t;
  pthread_create(&t, 0, dial, 0);
  pthread_join(t, 0);
  return result;
}
