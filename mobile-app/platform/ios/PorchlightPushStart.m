// Starts the push bridge when the app's binary loads: the Rust app needs no call of its own.
// Linked with -force_load so that the linker keeps this file (see platform/README.md).
// `porchlight_push_start` only queues the start on the main queue, which runs once the app's
// run loop is up.
#import <Foundation/Foundation.h>

extern void porchlight_push_start(void);

__attribute__((constructor)) static void porchlight_push_load(void) {
    porchlight_push_start();
}
