#include "kat.h"
