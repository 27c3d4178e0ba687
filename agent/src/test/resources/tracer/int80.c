/* the i386 ABI from a 64-bit process: connect (362) and socketcall(SYS_CONNECT) through int $0x80,
   with arguments in memory below 4 GiB (int 0x80 takes 32-bit pointers). usage: int80 PORT */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>
int main(int argc, char **argv) {
  if (argc < 2) return 2;
  char *low = mmap(0, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT, -1, 0);
  if (low == MAP_FAILED) return 3;
  struct sockaddr_in *a = (struct sockaddr_in *)low;
  a->sin_family = AF_INET;
  a->sin_port = htons(atoi(argv[1]));
  inet_pton(AF_INET, "127.0.0.7", &a->sin_addr);
  struct sockaddr_in *b = (struct sockaddr_in *)(low + 64);
  *b = *a;
  inet_pton(AF_INET, "127.0.0.8", &b->sin_addr);
  long ret;
  int s = socket(AF_INET, SOCK_STREAM, 0);
  __asm__ volatile("int $0x80" : "=a"(ret) : "a"(362), "b"(s), "c"(a), "d"(16) : "memory");
  int t = socket(AF_INET, SOCK_STREAM, 0);
  uint32_t *args = (uint32_t *)(low + 128);
  args[0] = (uint32_t)t;
  args[1] = (uint32_t)(uintptr_t)b;
  args[2] = 16;
  __asm__ volatile("int $0x80" : "=a"(ret) : "a"(102), "b"(3), "c"(args) : "memory");
  return 0;
}
