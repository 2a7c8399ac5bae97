// capture_cxx.cpp: a C++ test program for mindtrace: 2 threads x 500 new/delete, 500
// new[]/delete[], one aligned new and one nothrow new, then a fork whose child does 50 news.
#include <cstdio>
#include <new>
#include <string>
#include <thread>
#include <vector>
#include <sys/wait.h>
#include <unistd.h>

struct alignas(64) Wide { char c[64]; };

int main()
{
    long sum = 0;
    std::vector<std::thread> ts;
    long part[2] = {0, 0};
    for (int t = 0; t < 2; t++)
        ts.emplace_back([t, &part] {
            for (int i = 0; i < 500; i++) {
                int *p = new int(i);
                part[t] += *p;
                delete p;
                char *q = new char[100 + i];
                q[0] = 1;
                part[t] += q[0];
                delete[] q;
            }
        });
    for (auto &th : ts)
        th.join();
    sum = part[0] + part[1];
    Wide *w = new Wide;
    delete w;
    int *n = new (std::nothrow) int(3);
    delete n;
    std::fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        for (int i = 0; i < 50; i++)
            delete new long(i);
        _exit(0);
    }
    waitpid(pid, nullptr, 0);
    std::printf("checksum %ld\n", sum);
    return 0;
}
