/*
 * wiring.h — the program connects the modules that the module order keeps
 * apart: a lower module declares what it needs as a table of functions, and
 * eg_app_wire() hands it a higher module's answers.
 */
#ifndef EG_APP_WIRING_H
#define EG_APP_WIRING_H

/* Install every connection; called once by main() before any command runs. */
void eg_app_wire(void);

#endif
