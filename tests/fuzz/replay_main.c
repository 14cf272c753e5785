/*
 * replay_main.c - runs a fuzz target over files without libFuzzer: every argument is a file or a
 * directory of files, each fed once to LLVMFuzzerTestOneInput. This makes every fuzz target a
 * regular test over its seed corpus (and over any crash file a fuzzing run saved).
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int run_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        perror(path);
        return -1;
    }
    fseek(f, 0, SEEK_END);
    long len = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *buf = malloc(len > 0 ? (size_t)len : 1);
    if (!buf || fread(buf, 1, (size_t)len, f) != (size_t)len) {
        fclose(f);
        free(buf);
        fprintf(stderr, "%s: cannot read\n", path);
        return -1;
    }
    fclose(f);
    LLVMFuzzerTestOneInput(buf, (size_t)len);
    free(buf);
    return 0;
}

static int run_path(const char *path, int *count)
{
    struct stat st;
    if (stat(path, &st) != 0) {
        perror(path);
        return -1;
    }
    if (!S_ISDIR(st.st_mode)) {
        (*count)++;
        return run_file(path);
    }
    DIR *dir = opendir(path);
    if (!dir) {
        perror(path);
        return -1;
    }
    int status = 0;
    struct dirent *entry;
    while ((entry = readdir(dir)) != NULL) {
        if (entry->d_name[0] == '.')
            continue;
        char child[4096];
        snprintf(child, sizeof child, "%s/%s", path, entry->d_name);
        if (run_path(child, count) != 0)
            status = -1;
    }
    closedir(dir);
    return status;
}

int main(int argc, char **argv)
{
    int count = 0;
    int status = 0;
    for (int i = 1; i < argc; i++)
        if (run_path(argv[i], &count) != 0)
            status = 1;
    if (count == 0) {
        fprintf(stderr, "no corpus files found: nothing was replayed\n");
        return 1;
    }
    fprintf(stderr, "replayed %d inputs\n", count);
    return status;
}
