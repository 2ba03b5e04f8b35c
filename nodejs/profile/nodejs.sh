# Written by kiln's Node.js buildpack: Node.js and the app's executables on
# PATH, and a production NODE_ENV unless the app sets another.
export PATH="$HOME/.scalingo/node/bin:$PATH:$HOME/bin:$HOME/node_modules/.bin"
export NODE_HOME="$HOME/.scalingo/node"
export NODE_ENV="${NODE_ENV:-production}"
