/*
 * layer_check.c — the program a module's library is linked whole into, to
 * prove that everything it calls is in the modules it declares (CMakeLists.txt).
 */
int main(void)
{
    return 0;
}
