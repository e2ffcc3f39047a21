import sys

from trackbench.cli.app import main

sys.exit(main())
