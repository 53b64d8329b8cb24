import sys

from tools.delivery.cli import main

sys.exit(main())
